#!/usr/bin/python3
# Writes the NIR fixtures (test/fixtures/nir/*): NIR 1.x HDF5 files written with h5py, and what torch computes for them.
"""NIR fixtures: graphs in the NIR specification's HDF5 layout, with their outputs computed in torch.

NIR (neuromorphs/NIR, ``nir.write``) stores a graph as: a root ``version`` string dataset; a ``node``
group with ``type`` = "NIRGraph", ``nodes/<name>/`` groups (each with a ``type`` string and one dataset
per parameter, numpy arrays gzip-compressed, dicts as sub-groups, optional ``metadata``) and ``edges``,
an [n, 2] array of (source, target) names; a node of type NIRGraph nests a graph. This script writes
that layout with h5py directly (the ``nir`` package is not packaged for Debian), the way the package's
``write_recursive`` does: ``str`` → variable-length string dataset, ``np.ndarray`` → dataset of its
dtype (gzip), ``dict`` → group, anything else (ints, tuples, lists of name pairs) → ``create_dataset``.

Files (``test/fixtures/nir/``):

  snntorch-csnn.nir (+ .expected.json)   shaped like ``snntorch.export_to_nir`` of
      Sequential(Conv2d, AvgPool2d, Leaky, Conv2d, AvgPool2d, Leaky, Flatten, Linear, Leaky): nodes named
      as nirtorch names Sequential children ('0', '1', …), Leaky → LIF with dt = 1e-4, τ = dt/(1−β),
      R = τ/dt, v_leak = 0 (float32, as snnTorch computes them), AvgPool2d kernel/stride as ints.
  kitchen-sink.nir (+ .expected.json)     every node type spikemesh maps: Conv2d with 'same' padding,
      dilation, groups and input_shape; Scale; IF; SumPool2d; two edges summed into a CubaLIF
      (τ_syn = dt); a nested NIRGraph (Input → strided Conv2d → LIF with R·dt/τ = 2 → Output);
      Flatten; Linear; Threshold; Affine into the Output; graph metadata dt = 1e-3.
  bad-*.nir                               one defect each, for the importer's refusals.

Expected outputs follow NIR's semantics (forward Euler at the file's dt, spike where v > v_threshold,
then v = v_reset = 0), computed in torch: convolutions in float64 rounded to float32 once (the
correctly rounded sum; spikemesh's reference sums in float32 as PyTorch does, within a few ulps of
it), membranes in float32. The input spikes are redrawn until no threshold decision is within
``MIN_MARGIN`` of flipping, so an implementation that rounds differently (float32 sums in its own
order, or a pool folded into the conv before it) still makes every decision the same.

Deterministic (fixed seeds, one thread, no HDF5 time stamps: the same bytes every run). Needs Debian's
python3-h5py (``apt-get install -y python3-h5py``) besides python3-torch; the tests only read the
committed files. Run: ``/usr/bin/python3 train/make_nir_fixtures.py``.
"""

from __future__ import annotations

import argparse
import json
import os
from typing import Any, Callable, Dict, List, Tuple

import h5py
import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_OUT = os.path.join(os.path.dirname(HERE), 'test', 'fixtures', 'nir')
NIR_VERSION = '1.0.6'  # the nir package version whose layout this follows
SEED = 20240917
MIN_MARGIN = 1e-3  # closest allowed |v − v_threshold| / v_threshold at any decision
INPUT_TRIES = 500

# ---------------------------------------------------------------------------------------------
# HDF5 in NIR's layout (the nir package's write_recursive, re-done with h5py)


def new_group(parent: h5py.Group, name: str) -> h5py.Group:
    """create_group without time stamps (h5py's create_group has no track_times)."""
    gcpl = h5py.h5p.create(h5py.h5p.GROUP_CREATE)
    gcpl.set_obj_track_times(False)
    return h5py.Group(h5py.h5g.create(parent.id, name.encode(), gcpl=gcpl))


def write_recursive(group: h5py.Group, node: Dict[str, Any]) -> None:
    for key, value in node.items():
        if key == 'metadata' and not value:
            continue
        # track_times=False: no creation time stamps, so the same graph gives the same bytes.
        if isinstance(value, str):
            group.create_dataset(key, data=value, dtype=h5py.string_dtype(), track_times=False)
        elif isinstance(value, np.ndarray):
            # HDF5 cannot compress a scalar (0-d) dataset.
            group.create_dataset(key, data=value, dtype=value.dtype, track_times=False, **({'compression': 'gzip'} if value.ndim else {}))
        elif isinstance(value, dict):
            write_recursive(new_group(group, str(key)), value)
        else:
            group.create_dataset(key, data=value, track_times=False)


def write_nir(path: str, graph: Dict[str, Any], version: str = NIR_VERSION, compact: bool = True) -> None:
    """compact: HDF5's newest object format (about a third of the size); off, the library default that nir.write gets."""
    tmp = f'{path}.tmp'
    fapl = h5py.h5p.create(h5py.h5p.FILE_ACCESS)
    bound = h5py.h5f.LIBVER_LATEST if compact else h5py.h5f.LIBVER_EARLIEST
    fapl.set_libver_bounds(bound, h5py.h5f.LIBVER_LATEST)
    fcpl = h5py.h5p.create(h5py.h5p.FILE_CREATE)
    fcpl.set_obj_track_times(False)  # the root group too
    with h5py.File(h5py.h5f.create(tmp.encode(), h5py.h5f.ACC_TRUNC, fapl=fapl, fcpl=fcpl)) as f:
        f.create_dataset('version', data=version, dtype=h5py.string_dtype(), track_times=False)
        write_recursive(new_group(f, 'node'), graph)
    os.replace(tmp, path)


def graph(nodes: Dict[str, Dict[str, Any]], edges: List[Tuple[str, str]], metadata: Dict[str, Any] | None = None) -> Dict[str, Any]:
    return {'type': 'NIRGraph', 'nodes': nodes, 'edges': edges, 'metadata': metadata or {}}


def f32(x: Tensor | np.ndarray | float) -> np.ndarray:
    return np.asarray(x.detach().numpy() if isinstance(x, Tensor) else x, dtype=np.float32)


# ---------------------------------------------------------------------------------------------
# NIR semantics in torch


def conv(x: Tensor, w: Tensor, b: Tensor | None, **kw: Any) -> Tensor:
    """Conv2d accumulated in float64, rounded to float32 once: the correctly rounded sum (see MIN_MARGIN)."""
    out = F.conv2d(x.double().unsqueeze(0), w.double(), None if b is None else b.double(), **kw)
    return out.squeeze(0).float()


class Neuron:
    """v[t] = λ·v + s·I; spike where v > θ, then v = 0 (NIR's LIF/IF/CubaLIF with v_leak = v_reset = 0, τ_syn = dt)."""

    def __init__(self, name: str, leak: float, scale: float, threshold: float, shape: Tuple[int, ...]):
        self.name, self.leak, self.scale, self.threshold = name, np.float32(leak), np.float32(scale), np.float32(threshold)
        self.v = torch.zeros(shape)
        self.counts: List[int] = []
        self.margin = float('inf')

    def step(self, current: Tensor) -> Tensor:
        v = self.leak * self.v + (current if self.scale == 1 else self.scale * current)
        self.margin = min(self.margin, float(((v - self.threshold).abs() / self.threshold).min()))
        spikes = (v > self.threshold).float()
        self.v = torch.where(spikes > 0, torch.zeros_like(v), v)
        self.counts.append(int(spikes.sum()))
        return spikes


def threshold_step(x: Tensor, threshold: float, record: Dict[str, Any]) -> Tensor:
    """NIR Threshold: memoryless Heaviside z = H(x − θ)."""
    record['margin'] = min(record.get('margin', float('inf')), float(((x - threshold).abs() / threshold).min()))
    z = (x > threshold).float()
    record.setdefault('counts', []).append(int(z.sum()))
    return z


def draw_input(gen: torch.Generator, shape: Tuple[int, ...], rate: float) -> Tensor:
    return (torch.rand(shape, generator=gen) < rate).float()


def find_input(run: Callable[[Tensor], Dict[str, Any]], shape: Tuple[int, ...], rate: float, gen: torch.Generator) -> Tuple[Tensor, Dict[str, Any]]:
    """Redraw the input spikes until every threshold decision has MIN_MARGIN and the argmax is unique."""
    for _ in range(INPUT_TRIES):
        spikes = draw_input(gen, shape, rate)
        result = run(spikes)
        if result['margin'] >= MIN_MARGIN and result['argmaxGap'] > 0:
            return spikes, result
    raise SystemExit('no input with enough margin: change SEED or the weights')


# ---------------------------------------------------------------------------------------------
# snntorch-csnn: what snntorch.export_to_nir writes for a small conv SNN

DT_SNNTORCH = 1e-4
CSNN_T = 8
CSNN_INPUT = (2, 12, 12)
CSNN_BETAS = (0.9, 0.8, 0.9)
CSNN_THRESHOLDS = (1.0, 1.0, 0.75)


def leaky_as_lif(beta: float, threshold: float) -> Dict[str, Any]:
    """snntorch/export_nir.py's Leaky branch: float32 numpy arithmetic on the module's beta and threshold."""
    b = f32(beta)
    thr = f32([threshold])
    tau = np.float32(DT_SNNTORCH) / (np.float32(1) - b)
    return {
        'type': 'LIF',
        'tau': np.asarray(tau, dtype=np.float32),
        'r': np.asarray(tau / np.float32(DT_SNNTORCH), dtype=np.float32),
        'v_leak': np.zeros_like(b),
        'v_threshold': thr,
        'v_reset': np.zeros_like(thr),
    }


def csnn_weights(gen: torch.Generator) -> Dict[str, Tensor]:
    """Random weights scaled so that every layer fires at a few to a few tens of percent."""
    return {
        'conv1.w': torch.randn((4, 2, 3, 3), generator=gen) * 0.9,
        'conv1.b': torch.randn((4,), generator=gen) * 0.05,
        'conv2.w': torch.randn((8, 4, 3, 3), generator=gen) * 0.65,
        'conv2.b': torch.randn((8,), generator=gen) * 0.05,
        'fc.w': torch.randn((5, 72), generator=gen) * 0.5,
        'fc.b': torch.randn((5,), generator=gen) * 0.05 + 0.1,
    }


def summarise(neurons: List[Neuron], out: Tensor, extra: Dict[str, Dict[str, Any]] | None = None) -> Dict[str, Any]:
    """Spike counts (total and per step) per neuron node, the readout `out`, its top-2 gap and the smallest threshold margin."""
    counts = {n.name: sum(n.counts) for n in neurons}
    per_step = {n.name: n.counts for n in neurons}
    margins = [n.margin for n in neurons]
    for name, rec in (extra or {}).items():
        counts[name] = sum(rec['counts'])
        per_step[name] = rec['counts']
        margins.append(rec['margin'])
    top = torch.sort(out, descending=True).values
    return {'spikeCounts': counts, 'spikeCountsPerStep': per_step, 'margin': min(margins), 'output': out, 'argmaxGap': float(top[0] - top[1])}


def csnn_run(w: Dict[str, Tensor]) -> Callable[[Tensor], Dict[str, Any]]:
    """The network under NIR's semantics; the Output receives lif '8''s spikes, read out as their mean over T."""

    def run(spikes: Tensor) -> Dict[str, Any]:
        shapes = ((4, 6, 6), (8, 3, 3), (5,))
        lifs = [Neuron(n, b, 1.0, t, s) for n, b, t, s in zip(('2', '5', '8'), CSNN_BETAS, CSNN_THRESHOLDS, shapes)]
        total = torch.zeros(5)
        for t in range(CSNN_T):
            x = conv(spikes[t], w['conv1.w'], w['conv1.b'], padding=1)
            s1 = lifs[0].step(F.avg_pool2d(x.unsqueeze(0), 2).squeeze(0))
            x = conv(s1, w['conv2.w'], w['conv2.b'], padding=1)
            s2 = lifs[1].step(F.avg_pool2d(x.unsqueeze(0), 2).squeeze(0))
            fc = (w['fc.w'].double() @ s2.flatten().double() + w['fc.b'].double()).float()
            total += lifs[2].step(fc)
        return summarise(lifs, total / CSNN_T)

    return run


def make_csnn(gen: torch.Generator, out: str) -> None:
    w = csnn_weights(gen)
    spikes, result = find_input(csnn_run(w), (CSNN_T, *CSNN_INPUT), 0.3, gen)
    nodes = {
        'input': {'type': 'Input', 'shape': np.array(CSNN_INPUT)},
        '0': {'type': 'Conv2d', 'weight': f32(w['conv1.w']), 'bias': f32(w['conv1.b']), 'stride': (1, 1), 'padding': (1, 1), 'dilation': (1, 1), 'groups': 1},
        '1': {'type': 'AvgPool2d', 'kernel_size': 2, 'stride': 2, 'padding': (0, 0)},
        '2': leaky_as_lif(CSNN_BETAS[0], CSNN_THRESHOLDS[0]),
        '3': {'type': 'Conv2d', 'weight': f32(w['conv2.w']), 'bias': f32(w['conv2.b']), 'stride': (1, 1), 'padding': (1, 1), 'dilation': (1, 1), 'groups': 1},
        '4': {'type': 'AvgPool2d', 'kernel_size': 2, 'stride': 2, 'padding': (0, 0)},
        '5': leaky_as_lif(CSNN_BETAS[1], CSNN_THRESHOLDS[1]),
        '6': {'type': 'Flatten', 'start_dim': 0, 'end_dim': -1, 'input_type': np.array([8, 3, 3])},
        '7': {'type': 'Affine', 'weight': f32(w['fc.w']), 'bias': f32(w['fc.b'])},
        '8': leaky_as_lif(CSNN_BETAS[2], CSNN_THRESHOLDS[2]),
        'output': {'type': 'Output', 'shape': np.array([5])},
    }
    order = ['input', '0', '1', '2', '3', '4', '5', '6', '7', '8', 'output']
    write_nir(os.path.join(out, 'snntorch-csnn.nir'), graph(nodes, list(zip(order, order[1:]))), compact=False)
    write_expected(out, 'snntorch-csnn', spikes, result, dt=DT_SNNTORCH, timesteps=CSNN_T)


def write_expected(folder: str, name: str, spikes: Tensor, result: Dict[str, Any], dt: float, timesteps: int) -> None:
    out = result['output']
    expected = {
        'fixture': name,
        'tool': 'train/make_nir_fixtures.py',
        'torch': torch.__version__,
        'h5py': h5py.__version__,
        'seed': SEED,
        'dt': dt,
        'timesteps': timesteps,
        'inputShape': list(spikes.shape),
        'inputSpikes': [int(v) for v in spikes.flatten().tolist()],
        'spikeCounts': result['spikeCounts'],
        'spikeCountsPerStep': result['spikeCountsPerStep'],
        'output': [float(v) for v in out.tolist()],
        'prediction': int(torch.argmax(out)),
        'minThresholdMargin': result['margin'],
        'argmaxGap': result['argmaxGap'],
    }
    # One key per line, each value on its line (diff-friendly without a line per input spike).
    lines = [f'  {json.dumps(k)}: {json.dumps(v, separators=(",", ":"))}' for k, v in expected.items()]
    with open(os.path.join(folder, f'{name}.expected.json'), 'w') as f:
        f.write('{\n' + ',\n'.join(lines) + '\n}\n')


# ---------------------------------------------------------------------------------------------
# kitchen-sink: every node type spikemesh maps, a merge and a nested graph

DT_SINK = 1e-3
SINK_T = 6
SINK_INPUT = (3, 10, 10)


def lif_params(leak: float, scale: float, threshold: float, shape: Tuple[int, ...], dt: float) -> Dict[str, np.ndarray]:
    """NIR LIF parameters (float64, one per neuron) for λ = 1 − dt/τ and input scale R·dt/τ."""
    tau = dt / (1 - leak)
    full = lambda v: np.full(shape, v, dtype=np.float64)  # noqa: E731
    return {'tau': full(tau), 'r': full(scale * tau / dt), 'v_leak': full(0.0), 'v_threshold': full(threshold), 'v_reset': full(0.0)}


def sink_weights(gen: torch.Generator) -> Dict[str, Tensor]:
    return {
        'conva.w': torch.randn((6, 3, 3, 3), generator=gen) * 0.6,
        'conva.b': torch.randn((6,), generator=gen) * 0.1,
        'scale': torch.tensor([1.0, 0.5, 2.0, 1.5, 0.75, 1.25]),
        'convb.w': torch.randn((6, 2, 3, 3), generator=gen) * 0.35,
        'convb.b': torch.randn((6,), generator=gen) * 0.05,
        'skip.w': torch.randn((6, 6, 1, 1), generator=gen) * 0.3,
        'skip.b': torch.zeros(6),
        'convc.w': torch.randn((4, 6, 3, 3), generator=gen) * 0.35,
        'convc.b': torch.randn((4,), generator=gen) * 0.05,
        'lin.w': torch.randn((8, 36), generator=gen) * 0.4,
        'aff.w': torch.randn((4, 8), generator=gen),
        'aff.b': torch.randn((4,), generator=gen) * 0.1,
    }


SINK_IF = (1.0, 0.5, 1.0)  # leak, R·dt, θ
SINK_CUBA = (0.75, 1.0, 1.0)  # leak, scale, θ
SINK_LIF = (0.8, 2.0, 1.0)  # leak, scale R·dt/τ, θ
SINK_THRESHOLD = 0.4


def sink_run(w: Dict[str, Tensor]) -> Callable[[Tensor], Dict[str, Any]]:
    def run(spikes: Tensor) -> Dict[str, Any]:
        ifa = Neuron('ifa', SINK_IF[0], SINK_IF[1], SINK_IF[2], (6, 10, 10))
        cuba = Neuron('cuba', SINK_CUBA[0], SINK_CUBA[1], SINK_CUBA[2], (6, 5, 5))
        lif = Neuron('block.lif', SINK_LIF[0], SINK_LIF[1], SINK_LIF[2], (4, 3, 3))
        thr: Dict[str, Any] = {}
        total = torch.zeros(4, dtype=torch.float64)
        for t in range(SINK_T):
            a = conv(spikes[t], w['conva.w'], w['conva.b'], padding=1) * w['scale'].view(6, 1, 1)
            s1 = ifa.step(a)
            pooled = F.avg_pool2d(s1.unsqueeze(0), 2, divisor_override=1).squeeze(0)
            b = conv(pooled, w['convb.w'], w['convb.b'], padding=2, dilation=2, groups=3)
            skip = conv(pooled, w['skip.w'], None)
            s2 = cuba.step(b + skip)
            s3 = lif.step(conv(s2, w['convc.w'], w['convc.b'], stride=2, padding=1))
            lin = (w['lin.w'].double() @ s3.flatten().double()).float()
            z = threshold_step(lin, SINK_THRESHOLD, thr)
            total += (w['aff.w'].double() @ z.double() + w['aff.b'].double()).float().double()
        return summarise([ifa, cuba, lif], (total / SINK_T).float(), {'thr': thr})

    return run


def make_kitchen_sink(gen: torch.Generator, out: str) -> None:
    w = sink_weights(gen)
    spikes, result = find_input(sink_run(w), (SINK_T, *SINK_INPUT), 0.4, gen)
    dt = DT_SINK
    block = graph(
        {
            'in': {'type': 'Input', 'shape': np.array([6, 5, 5])},
            'convc': {'type': 'Conv2d', 'weight': f32(w['convc.w']), 'bias': f32(w['convc.b']), 'stride': (2, 2), 'padding': 1, 'dilation': 1, 'groups': 1},
            'lif': {
                'type': 'LIF',
                **lif_params(SINK_LIF[0], SINK_LIF[1], SINK_LIF[2], (4, 3, 3), dt),
                'input_type': {'input': np.array([4, 3, 3])},
                'output_type': {'output': np.array([4, 3, 3])},
                'metadata': {'note': 'R·dt/τ = 2: the importer divides the threshold by 2'},
            },
            'out': {'type': 'Output', 'shape': np.array([4, 3, 3])},
        },
        [('in', 'convc'), ('convc', 'lif'), ('lif', 'out')],
    )
    nodes = {
        'input': {'type': 'Input', 'shape': np.array(SINK_INPUT)},
        'conva': {
            'type': 'Conv2d',
            'weight': f32(w['conva.w']),
            'bias': f32(w['conva.b']),
            'stride': 1,
            'padding': 'same',
            'dilation': 1,
            'groups': 1,
            'input_shape': np.array([10, 10]),
        },
        'scale_a': {'type': 'Scale', 'scale': np.repeat(f32(w['scale']), 100).reshape(6, 10, 10)},
        'ifa': {'type': 'IF', 'r': np.full((6, 10, 10), SINK_IF[1] / dt), 'v_threshold': np.full((6, 10, 10), SINK_IF[2]), 'v_reset': np.zeros((6, 10, 10))},
        'pool_s': {'type': 'SumPool2d', 'kernel_size': np.array([2, 2]), 'stride': np.array([2, 2]), 'padding': np.array([0, 0])},
        'convb': {'type': 'Conv2d', 'weight': f32(w['convb.w']), 'bias': f32(w['convb.b']), 'stride': (1, 1), 'padding': (2, 2), 'dilation': (2, 2), 'groups': 3},
        'skip': {'type': 'Conv2d', 'weight': f32(w['skip.w']), 'bias': f32(w['skip.b']), 'stride': 1, 'padding': 'valid', 'dilation': 1, 'groups': 1},
        'cuba': {
            'type': 'CubaLIF',
            'tau_syn': np.full((6, 5, 5), dt),
            'tau_mem': np.full((6, 5, 5), dt / (1 - SINK_CUBA[0])),
            'r': np.full((6, 5, 5), 1 / (1 - SINK_CUBA[0])),
            'v_leak': np.zeros((6, 5, 5)),
            'v_threshold': np.full((6, 5, 5), SINK_CUBA[2]),
            'v_reset': np.zeros((6, 5, 5)),
            'w_in': np.ones((6, 5, 5)),
        },
        'block': block,
        'flat': {'type': 'Flatten', 'start_dim': 0, 'end_dim': -1, 'input_type': np.array([4, 3, 3])},
        'lin': {'type': 'Linear', 'weight': f32(w['lin.w'])},
        'thr': {'type': 'Threshold', 'threshold': np.full((8,), SINK_THRESHOLD, dtype=np.float32)},
        'aff': {'type': 'Affine', 'weight': f32(w['aff.w']), 'bias': f32(w['aff.b'])},
        'output': {'type': 'Output', 'shape': np.array([4])},
    }
    edges = [
        ('input', 'conva'),
        ('conva', 'scale_a'),
        ('scale_a', 'ifa'),
        ('ifa', 'pool_s'),
        ('pool_s', 'convb'),
        ('pool_s', 'skip'),
        ('convb', 'cuba'),
        ('skip', 'cuba'),
        ('cuba', 'block'),
        ('block', 'flat'),
        ('flat', 'lin'),
        ('lin', 'thr'),
        ('thr', 'aff'),
        ('aff', 'output'),
    ]
    write_nir(os.path.join(out, 'kitchen-sink.nir'), graph(nodes, edges, {'dt': dt}))
    write_expected(out, 'kitchen-sink', spikes, result, dt=dt, timesteps=SINK_T)


# ---------------------------------------------------------------------------------------------
# bad inputs: one defect each


def small_chain(extra_nodes: Dict[str, Dict[str, Any]] | None = None, edges: List[Tuple[str, str]] | None = None) -> Dict[str, Any]:
    lif = lif_params(0.9, 1.0, 1.0, (2, 4, 4), DT_SNNTORCH)
    nodes = {
        'input': {'type': 'Input', 'shape': np.array([1, 4, 4])},
        'conv': {'type': 'Conv2d', 'weight': np.ones((2, 1, 3, 3), dtype=np.float32), 'bias': np.zeros(2, dtype=np.float32), 'stride': 1, 'padding': 1, 'dilation': 1, 'groups': 1},
        'lif': {'type': 'LIF', **lif},
        'output': {'type': 'Output', 'shape': np.array([2, 4, 4])},
    }
    nodes.update(extra_nodes or {})
    return graph(nodes, edges if edges is not None else [('input', 'conv'), ('conv', 'lif'), ('lif', 'output')])


def make_bad(out: str) -> None:
    write_nir(os.path.join(out, 'bad-version.nir'), small_chain(), version='2.0.0')
    write_nir(
        os.path.join(out, 'bad-unknown-type.nir'),
        small_chain({'lif': {'type': 'Izhikevich', 'a': np.float32(0.02)}}),
    )
    write_nir(os.path.join(out, 'bad-missing-node.nir'), small_chain(edges=[('input', 'conv'), ('conv', 'lif'), ('lif', 'readout')]))
    # snnTorch's RLeaky export: a LIF with a recurrent Linear; the recurrence is a cycle.
    rec = {'w_rec': {'type': 'Linear', 'weight': np.eye(32, dtype=np.float32)}, 'flat': {'type': 'Flatten', 'start_dim': 0, 'end_dim': -1}}
    write_nir(
        os.path.join(out, 'bad-cycle.nir'),
        small_chain(rec, [('input', 'conv'), ('conv', 'lif'), ('lif', 'flat'), ('flat', 'w_rec'), ('w_rec', 'lif'), ('lif', 'output')]),
    )
    wide = {'conv': {'type': 'Conv2d', 'weight': np.ones((2, 3, 3, 3), dtype=np.float32), 'bias': np.zeros(2, dtype=np.float32), 'stride': 1, 'padding': 1, 'dilation': 1, 'groups': 1}}
    write_nir(os.path.join(out, 'bad-shapes.nir'), small_chain(wide))
    leak = {'lif': {'type': 'LIF', **{**lif_params(0.9, 1.0, 1.0, (2, 4, 4), DT_SNNTORCH), 'v_leak': np.full((2, 4, 4), 0.1)}}}
    write_nir(os.path.join(out, 'bad-v-leak.nir'), small_chain(leak))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--out', default=DEFAULT_OUT)
    out = parser.parse_args().out
    os.makedirs(out, exist_ok=True)
    torch.set_num_threads(1)
    gen = torch.Generator().manual_seed(SEED)
    make_csnn(gen, out)
    make_kitchen_sink(gen, out)
    make_bad(out)
    for name in sorted(os.listdir(out)):
        print(f'{name}: {os.path.getsize(os.path.join(out, name))} bytes')


if __name__ == '__main__':
    main()
