# PyTorch reference networks: Spiking-DeepLab / Spiking-FCN (dl-vgg9, fcn-vgg9), their ANN twins, and key layouts.
"""The spikemesh model zoo in PyTorch (DESIGN.md §2), state_dict keys in the canonical trainer layout.

Semantics, per timestep t, layers evaluated in order (spikes reach the next layer in the same step):

* LIF: ``u = λ·u + BNTT_t(conv(x))``; spike where ``u/θ − 1 > 0``; soft reset ``u −= θ·spike``.
  Training uses the piecewise-linear surrogate gradient of the paper (Eq. 6).
* Pooling: AvgPool2d(3, stride 2, padding 1, count_include_pad=True) on the spikes, before the next conv.
* Output: non-leaky accumulator ``m += W*o`` (no BN, no threshold); read out as ``m/T``, then bilinear
  upsample (align_corners=True) to the input size.
* Spiking-FCN: up1 = LIF(resize(convT1(score9(conv9))) + score7(conv7)), up2 = LIF(resize(convT2(up1)) +
  score4(conv4)), output = accumulator(resize(convT3(up2)) + score2(conv2)); up1/up2 have no BNTT.
* ANN twins: BatchNorm2d(affine=False) + ReLU instead of BNTT + LIF, FCN up stages linear, one step.

The canonical keys (e.g. ``conv1.conv.weight``, ``conv1.bntt.0.weight``, ``score9.bias``,
``upsample1.weight``) are what src/net/zoo.ts ``weightShapes`` lists; ``to_authors_state_dict`` renames
them to the layout of the authors' SNN-Segmentation code.
"""

from __future__ import annotations

import math
import re
from collections import OrderedDict
from dataclasses import dataclass
from typing import Dict, List, Mapping, NamedTuple, Optional, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from . import truenorth as tn

BN_EPS = 1e-4  # BatchNorm eps of BNTT and the ANN twins (authors' code)
BN_MOMENTUM = 0.1  # running-statistics momentum (PyTorch default, as the authors use)
DEFAULT_LEAK = 0.99
DEFAULT_THRESHOLD = 1.0
SURROGATE_DAMPING = 0.3  # γ of the piecewise-linear surrogate, paper Eq. 6

ARCHS = ('dl-vgg9', 'fcn-vgg9')
KINDS = ('snn', 'ann')
ENCODINGS = ('poisson', 'dvs', 'analog')

# Hidden layers per architecture: (name, channels at width 1, avg-pool before the conv, dilation).
BACKBONES: Dict[str, Tuple[Tuple[str, int, bool, int], ...]] = {
    'dl-vgg9': (
        ('conv1', 64, False, 1),
        ('conv2', 64, False, 1),
        ('conv3', 128, True, 1),
        ('conv4', 128, False, 1),
        ('conv5', 256, True, 1),
        ('atrous6', 256, False, 2),
        ('atrous7', 256, False, 2),
        ('atrous8', 1024, False, 12),
    ),
    'fcn-vgg9': (
        ('conv1', 64, False, 1),
        ('conv2', 64, False, 1),
        ('conv3', 128, True, 1),
        ('conv4', 128, False, 1),
        ('conv5', 256, True, 1),
        ('conv6', 256, False, 1),
        ('conv7', 256, False, 1),
        ('conv8', 1024, True, 1),
        ('conv9', 1024, False, 1),
    ),
}

# Spiking-FCN upsampling stages: (population, skip layer, its 1×1 score conv, transposed conv, upsampled source).
FCN_STAGES: Tuple[Tuple[str, str, str, str, str], ...] = (
    ('up1', 'conv7', 'score7', 'upsample1', 'score9'),
    ('up2', 'conv4', 'score4', 'upsample2', 'up1'),
    ('output', 'conv2', 'score2', 'upsample3', 'up2'),
)

# Smallest input side each architecture divides evenly through its pools (as zoo.ts validates).
MIN_SIZE_DIVISOR = {'dl-vgg9': 4, 'fcn-vgg9': 8}


@dataclass(frozen=True)
class ArchSpec:
    """What a network is built from; mirrors ``ArchSpec`` of src/net/types.ts (snake_case here)."""

    arch: str
    kind: str = 'snn'
    input_height: int = 64
    input_width: int = 64
    input_channels: int = 3
    classes: int = 21
    timesteps: int = 20
    width: float = 1.0
    leak: float = DEFAULT_LEAK
    threshold: float = DEFAULT_THRESHOLD
    encoding: str = 'poisson'
    target: str = ''  # '' (unconstrained) or 'truenorth' (grouped convs, trinary weights, tied BNTT: truenorth.py)

    @classmethod
    def default(cls, arch: str, kind: str = 'snn', **overrides) -> 'ArchSpec':
        """The zoo defaults (64×64, 21 classes, T=20), with ANN twins at T=1 and analog input."""
        base = dict(timesteps=1, encoding='analog') if kind == 'ann' else {}
        return cls(arch=arch, kind=kind, **{**base, **overrides})

    def __post_init__(self) -> None:
        if self.arch not in ARCHS:
            raise ValueError(f"unknown architecture '{self.arch}' (known: {', '.join(ARCHS)})")
        if self.kind not in KINDS:
            raise ValueError(f"unknown kind '{self.kind}' (known: {', '.join(KINDS)})")
        if self.encoding not in ENCODINGS:
            raise ValueError(f"unknown encoding '{self.encoding}' (known: {', '.join(ENCODINGS)})")
        if self.target not in tn.TARGETS:
            raise ValueError(f"unknown target '{self.target}' (known: truenorth)")
        if self.target and self.arch != 'dl-vgg9':
            raise ValueError(f'the {self.target} target is built for dl-vgg9 only (fcn-vgg9 sends graded scores and has transposed convs)')
        for field in ('input_height', 'input_width', 'input_channels', 'classes', 'timesteps'):
            value = getattr(self, field)
            if not isinstance(value, int) or value < 1:
                raise ValueError(f'{field} must be a positive integer, got {value!r}')
        if not (self.width > 0 and math.isfinite(self.width)):
            raise ValueError(f'width must be a positive number, got {self.width!r}')
        divisor = MIN_SIZE_DIVISOR[self.arch]
        if self.input_height % divisor or self.input_width % divisor:
            raise ValueError(f'{self.arch} needs an input size divisible by {divisor}, got {self.input_height}×{self.input_width}')
        if self.kind == 'ann' and self.timesteps != 1:
            raise ValueError('ANN twins run a single step (timesteps 1)')

    @property
    def spiking(self) -> bool:
        return self.kind == 'snn'

    @property
    def truenorth(self) -> bool:
        return self.target == 'truenorth'

    def channels(self, paper_channels: int) -> int:
        """max(1, round(c·width)) with JavaScript's round-half-up, so shapes agree with zoo.ts."""
        return max(1, int(math.floor(paper_channels * self.width + 0.5)))

    def layer_plan(self) -> List[Tuple[str, int, bool, int, int]]:
        """(name, channels, pooled, dilation, groups) of each hidden layer, as zoo.ts builds them."""
        layers = [(name, self.channels(c), pooled, dilation) for name, c, pooled, dilation in BACKBONES[self.arch]]
        if not self.truenorth:
            return [(*layer, 1) for layer in layers]
        # The input counts as signed whatever the encoding, so that an ANN twin (analog input) has its SNN's shapes.
        return tn.plan(layers, self.input_channels, signed_input=True, cap_last=True)

    def to_json(self) -> dict:
        """The camelCase ``spec`` object of a spikemesh bundle's model.json."""
        return {
            'arch': self.arch,
            'kind': self.kind,
            'inputHeight': self.input_height,
            'inputWidth': self.input_width,
            'inputChannels': self.input_channels,
            'classes': self.classes,
            'timesteps': self.timesteps,
            'width': self.width,
            'leak': self.leak,
            'threshold': self.threshold,
            'encoding': self.encoding,
            **({'target': self.target} if self.target else {}),
        }

    @classmethod
    def from_json(cls, obj: Mapping) -> 'ArchSpec':
        return cls(
            arch=obj['arch'],
            kind=obj['kind'],
            input_height=obj['inputHeight'],
            input_width=obj['inputWidth'],
            input_channels=obj['inputChannels'],
            classes=obj['classes'],
            timesteps=obj['timesteps'],
            width=obj['width'],
            leak=obj['leak'],
            threshold=obj['threshold'],
            encoding=obj['encoding'],
            target=obj.get('target', ''),
        )


class PiecewiseLinearSpike(torch.autograd.Function):
    """Heaviside spike of v = u/θ − 1; backward is the surrogate γ·max(0, 1 − |v|) (paper Eq. 6)."""

    @staticmethod
    def forward(ctx, v: Tensor) -> Tensor:  # type: ignore[override]
        ctx.save_for_backward(v)
        return (v > 0).to(v.dtype)

    @staticmethod
    def backward(ctx, grad_out: Tensor) -> Tensor:  # type: ignore[override]
        (v,) = ctx.saved_tensors
        return grad_out * SURROGATE_DAMPING * (1.0 - v.abs()).clamp(min=0.0)


def poisson_encode(image: Tensor, timesteps: int, generator: Optional[torch.Generator] = None) -> Tensor:
    """Signed Poisson rate code, resampled each step: sign(x)·(rand ≤ |x|); [N,C,H,W] → [T,N,C,H,W]."""
    draws = torch.rand((timesteps, *image.shape), generator=generator, dtype=image.dtype, device=image.device)
    return (draws <= image.abs()).to(image.dtype) * torch.sign(image)


def pool(x: Tensor) -> Tensor:
    """The pooling between stages: AvgPool2d(3, stride 2, padding 1, count_include_pad=True)."""
    return F.avg_pool2d(x, kernel_size=3, stride=2, padding=1, count_include_pad=True)


def resize(x: Tensor, size: Tuple[int, int]) -> Tensor:
    """Bilinear resize with align_corners=True (the authors' UpsamplingBilinear2d / F.interpolate)."""
    return F.interpolate(x, size=size, mode='bilinear', align_corners=True)


def _bntt_norm(channels: int) -> nn.BatchNorm2d:
    """One BNTT BatchNorm: learnable γ, no β (the authors set bias to None)."""
    bn = nn.BatchNorm2d(channels, eps=BN_EPS, momentum=BN_MOMENTUM, affine=True)
    bn.bias = None
    return bn


class ConvBlock(nn.Module):
    """3×3 conv without bias, then BNTT (one BatchNorm per timestep, SNN) or BatchNorm(affine=False) (ANN).

    TrueNorth target: the conv's weights are the trinary values of latent weights, and every step uses BNTT's
    first BatchNorm (its copies are synced at export), because a TrueNorth neuron cannot change its scale per step."""

    def __init__(self, cin: int, cout: int, dilation: int, spec: ArchSpec, groups: int = 1):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, 3, padding=dilation, dilation=dilation, groups=groups, bias=False)
        self.trinary = spec.truenorth
        if spec.spiking:
            self.bntt = nn.ModuleList([_bntt_norm(cout) for _ in range(spec.timesteps)])
        else:
            self.bn = nn.BatchNorm2d(cout, eps=BN_EPS, momentum=BN_MOMENTUM, affine=False)

    def forward(self, x: Tensor, t: int) -> Tensor:
        if self.trinary:
            conv = self.conv
            y = F.conv2d(x, tn.trinary(conv.weight), None, conv.stride, conv.padding, conv.dilation, conv.groups)
            return self.bntt[0](y) if hasattr(self, 'bntt') else self.bn(y)
        y = self.conv(x)
        return self.bntt[t](y) if hasattr(self, 'bntt') else self.bn(y)

    def export_weight(self) -> Tensor:
        return tn.trinary(self.conv.weight).detach() if self.trinary else self.conv.weight.detach()


class OutputConv(nn.Module):
    """The dl-vgg9 1×1 output projection into the accumulator (kept in a module for the key ``output.conv``)."""

    def __init__(self, cin: int, classes: int, trinary: bool = False):
        super().__init__()
        self.conv = nn.Conv2d(cin, classes, 1, bias=False)
        self.trinary = trinary
        if trinary:  # TrueNorth: ±a_c per class, a_c in the output neuron's two type weights
            self.scale = nn.Parameter(torch.ones(classes, 1, 1, 1))

    def forward(self, x: Tensor) -> Tensor:
        return F.conv2d(x, self.export_weight(detach=False)) if self.trinary else self.conv(x)

    def export_weight(self, detach: bool = True) -> Tensor:
        w = self.scale * tn.trinary(self.conv.weight) if self.trinary else self.conv.weight
        return w.detach() if detach else w


class RunResult(NamedTuple):
    """Everything one forward pass can report.

    scores: [N, classes, H, W] class scores at the input size (what argmax reads).
    readout: [N, classes, h, w] before the upsample: accumulator m/T (SNN) or the output layer (ANN).
    activity: population → [T, N, C, h, w] spikes (SNN, 0/1) or activations (ANN); empty unless recorded.
    inputs: [T, N, C, H, W] what entered the network each step (encoded spikes, frames, or the image).
    margins: population → min |u/θ − 1| over every neuron and step (SNN, recorded only): how far the
        closest threshold decision was from flipping, i.e. the float tolerance a re-implementation has.
    """

    scores: Tensor
    readout: Tensor
    activity: Dict[str, Tensor]
    inputs: Tensor
    margins: Dict[str, float]


class _Recorder:
    """Collects per-step population outputs and threshold margins when a run asks for them."""

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self.steps: Dict[str, List[Tensor]] = OrderedDict()
        self.margins: Dict[str, float] = OrderedDict()

    def record(self, name: str, out: Tensor, v: Optional[Tensor]) -> None:
        if not self.enabled:
            return
        self.steps.setdefault(name, []).append(out.detach())
        if v is not None:
            m = v.detach().abs().min().item()
            self.margins[name] = min(m, self.margins.get(name, math.inf))

    def activity(self) -> Dict[str, Tensor]:
        return OrderedDict((name, torch.stack(steps)) for name, steps in self.steps.items())


class SegmentationNet(nn.Module):
    """dl-vgg9 or fcn-vgg9, spiking or ANN, as ``spec`` says. ``forward`` returns the scores; ``run`` more."""

    def __init__(self, spec: ArchSpec):
        super().__init__()
        self.spec = spec
        self.layers = BACKBONES[spec.arch]
        cin = spec.input_channels
        for name, cout, _, dilation, groups in spec.layer_plan():
            self.add_module(name, ConvBlock(cin, cout, dilation, spec, groups))
            cin = cout
        if spec.arch == 'dl-vgg9':
            self.output = OutputConv(cin, spec.classes, spec.truenorth)
        else:
            self._add_fcn_head()

    def _add_fcn_head(self) -> None:
        """Score skips and transposed convs, registered in zoo.ts order (score9, upsample1, score7, …)."""
        k = self.spec.classes
        self.score9 = nn.Conv2d(self.block('conv9').conv.out_channels, k, 1, bias=True)
        for _, skip, score, upsample, _ in FCN_STAGES:
            self.add_module(upsample, nn.ConvTranspose2d(k, k, 3, stride=2, bias=False))
            self.add_module(score, nn.Conv2d(self.block(skip).conv.out_channels, k, 1, bias=True))

    def block(self, name: str) -> ConvBlock:
        return getattr(self, name)

    @property
    def populations(self) -> List[str]:
        """Hidden populations in evaluation order (the ones that spike in an SNN)."""
        names = [name for name, *_ in self.layers]
        return names + ['up1', 'up2'] if self.spec.arch == 'fcn-vgg9' else names

    def forward(self, x: Tensor) -> Tensor:
        return self.run(x).scores

    def param_groups(self, lr: float) -> List[dict]:
        """Adam's parameter groups. TrueNorth target: the latent weights learn tn.LATENT_LR_SCALE times faster, since
        a trinary weight changes only when its latent crosses ±0.5, far on the scale of Adam's steps of about lr."""
        if not self.spec.truenorth:
            return [{'params': list(self.parameters())}]
        latent = [self.block(name).conv.weight for name, *_ in self.layers] + [self.output.conv.weight]
        ids = {id(p) for p in latent}
        rest = [p for p in self.parameters() if id(p) not in ids]
        return [{'params': latent, 'lr': lr * tn.LATENT_LR_SCALE, 'lr_scale': tn.LATENT_LR_SCALE}, {'params': rest}]

    @torch.no_grad()
    def after_step(self) -> None:
        """TrueNorth target: latent weights stay in [-1, 1] (Eedn clips them), so one that crossed a trinary
        threshold can come back within a few steps instead of drifting beyond reach."""
        if not self.spec.truenorth:
            return
        for conv in [self.block(name).conv for name, *_ in self.layers] + [self.output.conv]:
            conv.weight.clamp_(-1.0, 1.0)

    def run(self, x: Tensor, record: bool = False, generator: Optional[torch.Generator] = None) -> RunResult:
        """Runs all timesteps. ``x``: an image [N,C,H,W] (encoded per ``spec.encoding``) or frames [T,N,C,H,W]."""
        frames = self.input_frames(x, generator)
        recorder = _Recorder(record)
        membranes: Dict[str, Tensor] = {}
        accumulator: Optional[Tensor] = None
        for t in range(frames.shape[0]):
            current = self._step(frames[t], t, membranes, recorder)
            accumulator = current if accumulator is None else accumulator + current
        assert accumulator is not None
        readout = accumulator / frames.shape[0]
        scores = resize(readout, (self.spec.input_height, self.spec.input_width))
        return RunResult(scores, readout, recorder.activity(), frames, dict(recorder.margins))

    def input_frames(self, x: Tensor, generator: Optional[torch.Generator] = None) -> Tensor:
        """What enters the network at each step, [T,N,C,H,W]."""
        spec = self.spec
        expected = (spec.input_channels, spec.input_height, spec.input_width)
        if tuple(x.shape[-3:]) != expected:
            raise ValueError(f'input must end in {list(expected)}, got {list(x.shape)}')
        if x.dim() == 5:
            if x.shape[0] != spec.timesteps:
                raise ValueError(f'pre-encoded input has {x.shape[0]} steps, the network runs {spec.timesteps}')
            return x
        if x.dim() != 4:
            raise ValueError(f'input must be [N,C,H,W] or [T,N,C,H,W], got {list(x.shape)}')
        if spec.encoding == 'poisson':
            return poisson_encode(x, spec.timesteps, generator)
        if spec.encoding == 'analog':
            return x.unsqueeze(0).expand(spec.timesteps, *x.shape)
        raise ValueError('dvs input must be given as frames [T,N,C,H,W], one per timestep')

    def _fire(self, name: str, current: Tensor, membranes: Dict[str, Tensor], recorder: _Recorder, linear: bool = False) -> Tensor:
        """The neuron of a hidden population: LIF with soft reset (SNN), ReLU or identity (ANN)."""
        if not self.spec.spiking:
            out = current if linear else F.relu(current)
            recorder.record(name, out, None)
            return out
        leak, theta = self.spec.leak, self.spec.threshold
        u = membranes.get(name)
        u = current if u is None else leak * u + current
        v = u / theta - 1.0
        spikes = PiecewiseLinearSpike.apply(v)
        # The reset is not differentiated: the authors subtract (v > 0)·θ, a comparison without gradient.
        membranes[name] = u - theta * spikes.detach()
        recorder.record(name, spikes, v)
        return spikes

    def _backbone(self, frame: Tensor, t: int, membranes: Dict[str, Tensor], recorder: _Recorder) -> Dict[str, Tensor]:
        """The conv layers of one step; returns each layer's output (spikes / activations, before pooling)."""
        outputs: Dict[str, Tensor] = {}
        x = frame
        for name, _, pooled, _ in self.layers:
            if pooled:
                x = pool(x)
            x = self._fire(name, self.block(name)(x, t), membranes, recorder)
            outputs[name] = x
        return outputs

    def _step(self, frame: Tensor, t: int, membranes: Dict[str, Tensor], recorder: _Recorder) -> Tensor:
        """One timestep; returns the current into the output accumulator."""
        outputs = self._backbone(frame, t, membranes, recorder)
        if self.spec.arch == 'dl-vgg9':
            return self.output(outputs[self.layers[-1][0]])
        # The first stage upsamples the graded class scores of conv9, the later ones the up-stage spikes.
        outputs['score9'] = self.score9(outputs['conv9'])
        current = outputs['score9']
        for population, skip, score, upsample, source in FCN_STAGES:
            skip_out = getattr(self, score)(outputs[skip])
            current = resize(getattr(self, upsample)(outputs[source]), tuple(skip_out.shape[-2:])) + skip_out
            if population != 'output':
                outputs[population] = self._fire(population, current, membranes, recorder, linear=True)
        return current


def SpikingDeepLab(**spec) -> SegmentationNet:
    """Spiking-DeepLab (dl-vgg9); keyword arguments as ``ArchSpec`` (input_height, classes, timesteps, …)."""
    return SegmentationNet(ArchSpec.default('dl-vgg9', 'snn', **spec))


def SpikingFCN(**spec) -> SegmentationNet:
    """Spiking-FCN (fcn-vgg9)."""
    return SegmentationNet(ArchSpec.default('fcn-vgg9', 'snn', **spec))


def DeepLabANN(**spec) -> SegmentationNet:
    """ANN twin of Spiking-DeepLab: BatchNorm(affine=False) + ReLU, one step."""
    return SegmentationNet(ArchSpec.default('dl-vgg9', 'ann', **spec))


def FCNANN(**spec) -> SegmentationNet:
    """ANN twin of Spiking-FCN; up stages are linear."""
    return SegmentationNet(ArchSpec.default('fcn-vgg9', 'ann', **spec))


def build_model(spec: ArchSpec) -> SegmentationNet:
    return SegmentationNet(spec)


def init_weights(model: SegmentationNet, gain: float = 2.0) -> None:
    """Xavier-uniform (gain 2, the authors' choice) for every conv and transposed conv, zero biases."""
    for m in model.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
            nn.init.xavier_uniform_(m.weight, gain=gain)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
    adopt_float_weights(model)


@torch.no_grad()
def adopt_float_weights(model: SegmentationNet) -> None:
    """TrueNorth target: turns the float weights now in the convs (Xavier's, or a bundle's) into latent weights
    whose trinary values keep the larger weights, and sets each class's output scale from its weights."""
    if not model.spec.truenorth:
        return
    for name, *_ in model.layers:
        conv = model.block(name).conv
        conv.weight.copy_(tn.to_latent(conv.weight))
    out = model.output
    out.scale.copy_(tn.nonzero_mean_abs(out.conv.weight).reshape(out.scale.shape))
    out.conv.weight.copy_(tn.to_latent(out.conv.weight))


def canonical_weights(model: SegmentationNet) -> 'OrderedDict[str, Tensor]':
    """The checkpoint contract: every float tensor of the state_dict as F32 on the CPU (no num_batches_tracked).

    TrueNorth target: the weights the network computes with (trinary kernels, the output's ±a_c) instead of the
    latent ones, and BNTT's first BatchNorm under every step's keys (the one all steps used)."""
    state = model.state_dict()
    if model.spec.truenorth:
        state = _truenorth_state(model, state)
    return OrderedDict(
        (key, value.detach().to('cpu', torch.float32).contiguous())
        for key, value in state.items()
        if not key.endswith('num_batches_tracked')
    )


def _truenorth_state(model: SegmentationNet, state: Mapping[str, Tensor]) -> 'OrderedDict[str, Tensor]':
    out: 'OrderedDict[str, Tensor]' = OrderedDict()
    tied = re.compile(r'^(.*\.bntt\.)\d+\.(.*)$')
    for key, value in state.items():
        if key == 'output.scale':
            continue
        match = tied.match(key)
        if match:
            value = state[f'{match.group(1)}0.{match.group(2)}']
        elif key.endswith('.conv.weight'):
            value = getattr(model, key.split('.')[0]).export_weight()
        out[key] = value
    return out


def _authors_prefixes(spec: ArchSpec) -> List[Tuple[str, str]]:
    """(canonical prefix, authors' prefix) pairs; every key starts with exactly one canonical prefix."""
    names = [name for name, *_ in BACKBONES[spec.arch]]
    # dl-vgg9 keeps atrous8 in the authors' classifier; fcn-vgg9 keeps conv8 and conv9 there.
    n_features = 7
    norm = 'bntt' if spec.spiking else 'bn'
    pairs: List[Tuple[str, str]] = []
    for i, name in enumerate(names):
        group, index = ('features', i) if i < n_features else ('classifier', i - n_features)
        pairs.append((f'{name}.conv.', f'{group}.{index}.'))
        pairs.append((f'{name}.{norm}.', f'bn_{group}.{index}.'))
    if spec.arch == 'dl-vgg9':
        pairs.append(('output.conv.', 'classifier.1.'))
    else:
        pairs += [(f'score{k}.', f'scores_features.{k}.') for k in (2, 4, 7)]
        pairs.append(('score9.', 'scores_classifier.2.'))
        pairs += [(f'upsample{i}.', f'upsample.{i - 1}.0.') for i in (1, 2, 3)]
    return pairs


def _rename(state: Mapping[str, Tensor], pairs: List[Tuple[str, str]], layout: str) -> 'OrderedDict[str, Tensor]':
    out: 'OrderedDict[str, Tensor]' = OrderedDict()
    for key, value in state.items():
        match = next(((src, dst) for src, dst in pairs if key.startswith(src)), None)
        if match is None:
            raise KeyError(f"'{key}' is not a key of the {layout} layout")
        out[match[1] + key[len(match[0]):]] = value
    return out


def to_authors_state_dict(state: Mapping[str, Tensor], spec: ArchSpec) -> 'OrderedDict[str, Tensor]':
    """Canonical keys → the authors' SNN-Segmentation names (features.k, bn_features.k.t, scores_features.k, …)."""
    return _rename(state, _authors_prefixes(spec), f'canonical {spec.arch}/{spec.kind}')


def from_authors_state_dict(state: Mapping[str, Tensor], spec: ArchSpec) -> 'OrderedDict[str, Tensor]':
    """The authors' names → canonical keys (the inverse of ``to_authors_state_dict``)."""
    pairs = [(dst, src) for src, dst in _authors_prefixes(spec)]
    return _rename(state, pairs, f'authors\' {spec.arch}/{spec.kind}')

