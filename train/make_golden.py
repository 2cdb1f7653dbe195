#!/usr/bin/python3
# Writes the golden fixtures (test/fixtures/golden/*): tiny dl-vgg9/fcn-vgg9 SNNs and ANNs with PyTorch's outputs.
"""Golden fixtures: what PyTorch computes for four tiny networks, for checking spikemesh against it.

For each of dl-snn, fcn-snn, dl-ann, fcn-ann (16×16×3 input, 5 classes, width 1/16, T=4 for SNNs) this
builds the network with ``spikemesh_train.models``, moves its weights and BatchNorm statistics away from
their initial values (a few Adam steps on random data, statistics re-estimated, BNTT gammas randomised
and scaled until every spiking layer fires at a sensible rate), then writes to ``<out>/<name>/``:

  model.json + weights.safetensors   the spikemesh bundle (canonical keys, F32)
  trainer.pth                        torch.save(state_dict), canonical keys
  authors.pth                        {'state_dict': authors' layout, 'config': Namespace, 'epoch', 'best_miou'}
  io.safetensors                     input, per-population spikes, accumulator/output, scores, prediction
  expected.json                      spike counts, rates, prediction histogram, threshold margins

The fixture input is redrawn until no threshold decision (|u/θ − 1|) and no argmax is closer than
``MIN_MARGIN`` to flipping, so a float32 re-implementation summing in another order still matches.
Deterministic: fixed seeds, one CPU thread. Run: ``/usr/bin/python3 train/make_golden.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections import OrderedDict
from typing import Dict, List, Mapping, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor, nn

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, HERE)

from spikemesh_train.bundle import read_safetensors, write_bundle, write_bytes_atomic, write_safetensors  # noqa: E402
from spikemesh_train.models import (  # noqa: E402
    ArchSpec,
    SegmentationNet,
    build_model,
    canonical_weights,
    from_authors_state_dict,
    init_weights,
    poisson_encode,
    to_authors_state_dict,
)

SEED = 20240607
SIZE = 16
CLASSES = 5
WIDTH = 1 / 16
TIMESTEPS = 4
FIXTURES: Tuple[Tuple[str, str, str], ...] = (
    ('dl-snn', 'dl-vgg9', 'snn'),
    ('fcn-snn', 'fcn-vgg9', 'snn'),
    ('dl-ann', 'dl-vgg9', 'ann'),
    ('fcn-ann', 'fcn-vgg9', 'ann'),
)
TRAIN_STEPS = 6  # Adam steps: enough to move every weight off its initial value, not to learn anything
TRAIN_BATCH = 8
LEARNING_RATE = 3e-3
CALIBRATION_BATCHES = 8  # batches averaged into the BatchNorm running statistics
RATE_BAND = (0.05, 0.30)  # tuning target for the fraction of a population spiking per step
RATE_LIMITS = (0.02, 0.40)  # what the self-check accepts on the fixture input
RATE_TARGET = 0.15
TUNING_ROUNDS = 30
MIN_MARGIN = 1e-4  # closest allowed |u/θ − 1| or top-2 score gap on the fixture input
INPUT_TRIES = 200
FOLDER_LIMIT_BYTES = 300 * 1024


def spec_for(arch: str, kind: str) -> ArchSpec:
    steps = {'timesteps': TIMESTEPS} if kind == 'snn' else {}
    return ArchSpec.default(arch, kind, input_height=SIZE, input_width=SIZE, input_channels=3, classes=CLASSES, width=WIDTH, **steps)


def random_images(n: int, gen: torch.Generator) -> Tensor:
    """Smooth random images in about ±0.5 (a 4×4 field upsampled, plus a little pixel noise)."""
    coarse = torch.randn((n, 3, 4, 4), generator=gen)
    fine = F.interpolate(coarse, size=(SIZE, SIZE), mode='bilinear', align_corners=True)
    noise = 0.3 * torch.randn((n, 3, SIZE, SIZE), generator=gen)
    return (0.25 * (fine + noise)).clamp(-0.5, 0.5)


def labels_for(images: Tensor, projection: Tensor) -> Tensor:
    """Per-pixel labels from a fixed random colour projection, so the few training steps have a target."""
    return torch.einsum('kc,nchw->nkhw', projection, images).argmax(dim=1)


def batch_norms(model: nn.Module) -> List[nn.BatchNorm2d]:
    return [m for m in model.modules() if isinstance(m, nn.BatchNorm2d)]


def train_a_little(model: SegmentationNet, gen: torch.Generator, projection: Tensor) -> None:
    """A few Adam steps in train mode: weights, gammas and score biases leave their initial values."""
    model.train()
    opt = torch.optim.Adam(model.parameters(), lr=LEARNING_RATE)
    for _ in range(TRAIN_STEPS):
        images = random_images(TRAIN_BATCH, gen)
        loss = F.cross_entropy(model.run(images, generator=gen).scores, labels_for(images, projection))
        opt.zero_grad()
        loss.backward()
        opt.step()


@torch.no_grad()
def calibrate_statistics(model: SegmentationNet, gen: torch.Generator) -> None:
    """Re-estimates every running mean/var as the average over a few batches (momentum None)."""
    norms = batch_norms(model)
    for bn in norms:
        bn.reset_running_stats()
        bn.momentum = None
    model.train()
    for _ in range(CALIBRATION_BATCHES):
        model.run(random_images(TRAIN_BATCH, gen), generator=gen)
    for bn in norms:
        bn.momentum = 0.1
    model.eval()


@torch.no_grad()
def randomise_gammas(model: SegmentationNet, gen: torch.Generator) -> None:
    """Scales every BNTT gamma by U(0.7, 1.3), so each step's BatchNorm differs per channel."""
    for bn in batch_norms(model):
        if bn.weight is not None:
            bn.weight.mul_(0.7 + 0.6 * torch.rand(bn.weight.shape, generator=gen))


@torch.no_grad()
def firing_fractions(model: SegmentationNet, images: Tensor, gen: torch.Generator) -> Dict[str, float]:
    """Fraction of each population's neurons spiking per step (SNN), or positive (ANN), in eval mode."""
    model.eval()
    activity = model.run(images, record=True, generator=gen).activity
    return OrderedDict((name, (a > 0).float().mean().item()) for name, a in activity.items())


@torch.no_grad()
def scale_population(model: SegmentationNet, population: str, factor: float) -> None:
    """Scales the input current of one spiking population: its BNTT gammas, or (FCN up stages) its projections."""
    if population in ('up1', 'up2'):
        stage = {'up1': ('upsample1', 'score7'), 'up2': ('upsample2', 'score4')}[population]
        for module in (getattr(model, name) for name in stage):
            for p in module.parameters():
                p.mul_(factor)
        return
    for bn in model.block(population).bntt:
        bn.weight.mul_(factor)


def tune_rates(model: SegmentationNet, gen: torch.Generator) -> Dict[str, float]:
    """Scales populations in order until each fires within RATE_BAND per step on a tuning batch."""
    images = random_images(TRAIN_BATCH, gen)
    for _ in range(TUNING_ROUNDS):
        rates = firing_fractions(model, images, torch.Generator().manual_seed(SEED))
        off = [(name, r) for name, r in rates.items() if not RATE_BAND[0] <= r <= RATE_BAND[1]]
        if not off:
            return rates
        # Fix the earliest stray population first: everything after it depends on its spikes.
        name, rate = off[0]
        factor = 2.0 if rate == 0 else min(2.0, max(0.5, (RATE_TARGET / rate) ** 0.5))
        scale_population(model, name, factor)
    raise RuntimeError(f'firing rates did not settle in {TUNING_ROUNDS} rounds: {rates}')


def top2_gap(scores: Tensor) -> float:
    """Smallest difference between the best and second-best class score over all pixels."""
    top = scores.topk(2, dim=1).values
    return (top[:, 0] - top[:, 1]).min().item()


@torch.no_grad()
def fixture_run(model: SegmentationNet, gen: torch.Generator):
    """Draws fixture inputs until every threshold decision and argmax is at least MIN_MARGIN from flipping."""
    model.eval()
    for attempt in range(INPUT_TRIES):
        image = random_images(1, gen)
        frames = poisson_encode(image, TIMESTEPS, gen) if model.spec.spiking else image
        result = model.run(frames, record=True)
        margin = min(result.margins.values(), default=float('inf'))
        if margin >= MIN_MARGIN and top2_gap(result.scores) >= MIN_MARGIN:
            return image, result, attempt
    raise RuntimeError(f'no input with margins ≥ {MIN_MARGIN} in {INPUT_TRIES} draws')


def zoo_weight_shapes(spec: ArchSpec) -> Dict[str, List[int]]:
    """The checkpoint contract from src/net/zoo.ts itself (via tsx), to check the PyTorch keys against."""
    script = (
        "import {buildNetwork} from './src/net/zoo.ts';"
        f"const z = buildNetwork({json.dumps(spec.to_json())});"
        "console.log(JSON.stringify(Object.fromEntries(z.weightShapes)));"
    )
    out = subprocess.run(['npx', '--no-install', 'tsx', '-e', script], cwd=REPO, capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def check_against_zoo(model: SegmentationNet) -> None:
    expected = zoo_weight_shapes(model.spec)
    actual = {k: list(v.shape) for k, v in canonical_weights(model).items()}
    if actual != expected:
        missing = sorted(set(expected) - set(actual))
        extra = sorted(set(actual) - set(expected))
        wrong = sorted(k for k in set(actual) & set(expected) if actual[k] != expected[k])
        raise AssertionError(f'{model.spec.arch}/{model.spec.kind}: keys differ from zoo.ts: missing {missing}, extra {extra}, shapes {wrong}')


def authors_config(spec: ArchSpec) -> argparse.Namespace:
    """An inert stand-in for the authors' argparse config (a loader must skip it, never execute it)."""
    return argparse.Namespace(
        architecture=spec.arch,
        model_type=spec.kind,
        dataset='golden-fixture',
        img_size=[spec.input_height, spec.input_width],
        input_dim=spec.input_channels,
        num_cls=spec.classes,
        kernel_size=3,
        timesteps=spec.timesteps,
        leak_mem=spec.leak,
        def_threshold=spec.threshold,
        bn=True,
        seed=SEED,
    )


def torch_save_atomic(obj, path: str) -> None:
    """torch.save under the final file name in a scratch folder, then rename: the zip's record folder is named
    after the file ('trainer/data.pkl'), so it stays the same from run to run."""
    scratch = tempfile.mkdtemp(dir=os.path.dirname(path))
    try:
        tmp = os.path.join(scratch, os.path.basename(path))
        torch.save(obj, tmp)
        os.replace(tmp, path)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def io_tensors(model: SegmentationNet, image: Tensor, result) -> 'OrderedDict[str, Tensor]':
    """The fixture's inputs and outputs, batch dimension dropped, F32."""
    scores = result.scores[0]
    out: 'OrderedDict[str, Tensor]' = OrderedDict(input_image=image[0])
    if model.spec.spiking:
        out['input_spikes'] = result.inputs[:, 0]
        out['accumulator'] = result.readout[0]
    else:
        out['output'] = result.readout[0]
    out['scores'] = scores
    out['prediction'] = scores.argmax(dim=0).float()
    if model.spec.spiking:
        for name, spikes in result.activity.items():
            out[f'spikes.{name}'] = spikes[:, 0]
    return OrderedDict((k, v.to(torch.float32).contiguous()) for k, v in out.items())


def expected_summary(name: str, model: SegmentationNet, io: Mapping[str, Tensor], result, seed: int, attempt: int) -> dict:
    prediction = io['prediction'].long().flatten()
    summary = {
        'fixture': name,
        'torch': torch.__version__,
        'seed': seed,
        'inputDraw': attempt,
        'predictionHistogram': torch.bincount(prediction, minlength=model.spec.classes).tolist(),
        'minArgmaxGap': top2_gap(result.scores),
    }
    if model.spec.spiking:
        counts, neurons, per_step = OrderedDict(), OrderedDict(), OrderedDict()
        for pop, spikes in result.activity.items():
            counts[pop] = int(spikes.sum().item())
            neurons[pop] = int(spikes[0].numel())
            per_step[pop] = [int(s) for s in spikes.flatten(1).sum(dim=1).tolist()]
        summary['spikeCounts'] = counts
        summary['spikeCountsPerStep'] = per_step
        summary['neurons'] = neurons
        # Paper Eq. 8: spikes over all T divided by the layer's neurons.
        summary['spikeRate'] = OrderedDict((p, counts[p] / neurons[p]) for p in counts)
        summary['inputSpikes'] = {'positive': int((io['input_spikes'] > 0).sum()), 'negative': int((io['input_spikes'] < 0).sum())}
        summary['minThresholdMargin'] = OrderedDict((p, m) for p, m in result.margins.items())
    else:
        summary['activeFraction'] = OrderedDict((p, (a > 0).float().mean().item()) for p, a in result.activity.items())
    return summary


@torch.no_grad()
def self_check(folder: str, model: SegmentationNet, io: Mapping[str, Tensor], zoo_check: bool) -> None:
    """Reloads every file written and checks it reproduces the fixture; checks keys against zoo.ts."""
    spec = model.spec
    if zoo_check:
        check_against_zoo(model)
    weights = read_safetensors(os.path.join(folder, 'weights.safetensors'))
    assert list(weights) == list(canonical_weights(model)), 'weights.safetensors keys'
    trainer = torch.load(os.path.join(folder, 'trainer.pth'))
    authors = torch.load(os.path.join(folder, 'authors.pth'))
    assert isinstance(authors['config'], argparse.Namespace)
    assert from_authors_state_dict(authors['state_dict'], spec).keys() == trainer.keys(), 'authors layout round trip'
    frames = io['input_spikes'][:, None] if spec.spiking else io['input_image'][None]
    readout_key = 'accumulator' if spec.spiking else 'output'
    for source, state, strict in (('trainer.pth', trainer, True), ('authors.pth', from_authors_state_dict(authors['state_dict'], spec), True), ('weights.safetensors', weights, False)):
        fresh = build_model(spec)
        missing, unexpected = fresh.load_state_dict(state, strict=strict)
        assert not unexpected and all(k.endswith('num_batches_tracked') for k in missing), f'{source}: {missing} {unexpected}'
        fresh.eval()
        again = fresh.run(frames, record=True)
        assert torch.equal(again.readout[0], io[readout_key]), f'{source} does not reproduce {readout_key}'
        assert torch.equal(again.scores[0], io['scores']), f'{source} does not reproduce scores'
        for pop, spikes in again.activity.items():
            if spec.spiking:
                assert torch.equal(spikes[:, 0], io[f'spikes.{pop}']), f'{source}: spikes.{pop}'
    with open(os.path.join(folder, 'model.json'), encoding='utf-8') as f:
        assert ArchSpec.from_json(json.load(f)['spec']) == spec, 'model.json spec round trip'
    stored = read_safetensors(os.path.join(folder, 'io.safetensors'))
    assert all(torch.equal(stored[k], v) for k, v in io.items()), 'io.safetensors round trip'
    h, w = io[readout_key].shape[-2:]
    assert io['scores'].shape == (spec.classes, SIZE, SIZE) and io[readout_key].shape == (spec.classes, h, w)
    if spec.spiking:
        assert [k[len('spikes.'):] for k in io if k.startswith('spikes.')] == model.populations, 'spiking populations'
        assert io['input_spikes'].shape == (TIMESTEPS, 3, SIZE, SIZE)
        assert set(io['input_spikes'].unique().tolist()) <= {-1.0, 0.0, 1.0}
        for key, spikes in io.items():
            if key.startswith('spikes.'):
                rate = spikes.mean().item()
                assert RATE_LIMITS[0] <= rate <= RATE_LIMITS[1], f'{key} fires {rate:.3f} per step'
                assert set(spikes.unique().tolist()) <= {0.0, 1.0}


def make_fixture(out_root: str, index: int, name: str, arch: str, kind: str, zoo_check: bool) -> None:
    seed = SEED + index
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    spec = spec_for(arch, kind)
    model = build_model(spec)
    init_weights(model)
    projection = torch.randn((CLASSES, 3), generator=gen)
    train_a_little(model, gen, projection)
    calibrate_statistics(model, gen)
    randomise_gammas(model, gen)
    rates = tune_rates(model, gen) if spec.spiking else firing_fractions(model, random_images(TRAIN_BATCH, gen), gen)
    image, result, attempt = fixture_run(model, gen)

    folder = os.path.join(out_root, name)
    os.makedirs(folder, exist_ok=True)
    provenance = {'tool': 'train/make_golden.py', 'torch': torch.__version__, 'seed': seed}
    notes = (
        'Golden fixture: a tiny network moved off its initial weights by a few Adam steps on random data, '
        'BatchNorm statistics re-estimated, BNTT gammas randomised and scaled for sensible firing rates. '
        'Not a trained segmenter: it exists to check re-implementations against PyTorch (see io.safetensors).'
    )
    write_bundle(folder, model, 'golden-fixture', provenance, {'untrained': True, 'notes': notes})
    state = model.state_dict()
    torch_save_atomic(state, os.path.join(folder, 'trainer.pth'))
    authors = {'state_dict': to_authors_state_dict(state, spec), 'config': authors_config(spec), 'epoch': 3, 'best_miou': 0.1}
    torch_save_atomic(authors, os.path.join(folder, 'authors.pth'))
    io = io_tensors(model, image, result)
    write_safetensors(os.path.join(folder, 'io.safetensors'), io, {'fixture': name})
    summary = expected_summary(name, model, io, result, seed, attempt)
    write_bytes_atomic(os.path.join(folder, 'expected.json'), (json.dumps(summary, indent=2) + '\n').encode('utf-8'))
    self_check(folder, model, io, zoo_check)
    report(name, folder, rates, summary)


def report(name: str, folder: str, tuning_rates: Mapping[str, float], summary: Mapping) -> None:
    size = sum(os.path.getsize(os.path.join(folder, f)) for f in os.listdir(folder))
    note = '' if size < FOLDER_LIMIT_BYTES else f'  (over {FOLDER_LIMIT_BYTES // 1024} KB)'
    print(f'{name}: {size / 1024:.0f} KB{note}, input draw {summary["inputDraw"]}, prediction histogram {summary["predictionHistogram"]}')
    label = 'spikes/neuron/step' if 'spikeRate' in summary else 'active fraction'
    fixture_rates = summary.get('spikeRate', summary.get('activeFraction'))
    steps = TIMESTEPS if 'spikeRate' in summary else 1
    for pop, rate in fixture_rates.items():
        margin = summary.get('minThresholdMargin', {}).get(pop)
        extra = f'  min |u/θ−1| {margin:.2e}' if margin is not None else ''
        print(f'  {pop:8s} {label} fixture {rate / steps:.3f}  random batch {tuning_rates[pop]:.3f}{extra}')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--out', default=os.path.join(REPO, 'test', 'fixtures', 'golden'), help='folder for the fixture folders')
    parser.add_argument('--no-zoo-check', action='store_true', help='skip comparing keys with src/net/zoo.ts (needs npx tsx)')
    args = parser.parse_args()
    torch.set_num_threads(1)
    for index, (name, arch, kind) in enumerate(FIXTURES):
        make_fixture(args.out, index, name, arch, kind, not args.no_zoo_check)


if __name__ == '__main__':
    main()
