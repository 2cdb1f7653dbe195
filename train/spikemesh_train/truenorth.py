# The TrueNorth target: grouped convolutions sized to a core's 256 axons and trinary weights (Eedn-style training).
"""What a network must satisfy to run on TrueNorth cores, as the trainer builds it (docs/truenorth.md).

Each rule comes from the hardware (cores/truenorth.json and its sources, Merolla et al. 2014, Akopyan et al.
2015) and is mirrored by src/net/zoo.ts (``truenorthGroups``); the two must agree, since the bundle's weight
shapes are checked against the zoo's.

* A neuron reads at most ``AXONS_PER_CORE`` axons: all its inputs must sit on the core's 256 axons.
* An axon's type (one of 4) is a property of the axon, the weight of each type a property of the neuron. A
  trinary weight whose sign differs between neurons of one core therefore needs each input on two axons (one
  of a type weighted +a by every neuron, one of a type weighted -a): ``WEIGHT_AXONS`` = 2.
* Axons carry binary spikes: a signed input spike (the Poisson-coded image) needs one axon per sign, on top of
  the two per weight sign: ``SIGNED_INPUT_AXONS`` = 2.
* So a neuron's fan-in is taps x (input channels per group) x axons per input, where taps is the kernel's
  footprint (9 for a 3x3 conv, dilated or not; 49 for a 3x3 conv with the 3x3 stride-2 average pool before it
  folded in). The groups of each layer are the fewest that divide both channel counts and keep the fan-in
  within the core; the output projection (1x1, classes are not divisible) caps the last layer's channels.
* Trinary weights {-1, 0, +1}: forward through a threshold of the clipped latent weight, backward straight
  through (Esser et al. 2016, PNAS 113:11441, "Eedn"); the per-channel scale is BNTT's (one per neuron,
  which the neuron's type weights hold).
* TrueNorth neurons have fixed parameters (programmableNeurons false) and a constant leak: one BNTT shared by
  all steps (folding it into the static weights is then exact) and leak 1 (no multiplicative decay).
"""

from __future__ import annotations

from typing import List, Tuple

import torch
from torch import Tensor

AXONS_PER_CORE = 256  # cores/truenorth.json fanInAxonsPerCore (Merolla et al. 2014)
WEIGHT_AXONS = 2  # one axon of a +a type and one of a -a type per input (axon type per axon, weight per neuron)
SIGNED_INPUT_AXONS = 2  # binary spikes: one axon per input sign (cores/truenorth.json signedInputAxons false)
TRINARY_THRESHOLD = 0.5  # |latent| above this is ±1, else 0; latent weights live in [-1, 1]
TWN_DELTA = 0.7  # a float tensor's weights above 0.7·mean|w| become ±1 when it is rescaled into latent form
TARGETS = ('', 'truenorth')
LATENT_LR_SCALE = 10.0  # Adam's rate for latent weights relative to --lr (see SegmentationNet.param_groups)
POOL_TAPS = 49  # 3x3 conv after a 3x3 stride-2 pool: a 7x7 footprint of the pool's input
CONV_TAPS = 9


class TruenorthError(ValueError):
    """A layer that no grouping fits into a core (the message names it)."""


def fan_in(taps: int, cin_per_group: int, signed_input: bool) -> int:
    return taps * cin_per_group * WEIGHT_AXONS * (SIGNED_INPUT_AXONS if signed_input else 1)


def groups_for(name: str, cin: int, cout: int, taps: int, signed_input: bool, axons: int = AXONS_PER_CORE) -> int:
    """The fewest groups g (g divides cin and cout) with fan_in(taps, cin/g) <= axons."""
    for g in range(1, min(cin, cout) + 1):
        if cin % g == 0 and cout % g == 0 and fan_in(taps, cin // g, signed_input) <= axons:
            return g
    raise TruenorthError(f'{name}: no grouping of {cin} -> {cout} channels fits {axons} axons ({taps} taps per input channel)')


def output_channel_cap(axons: int = AXONS_PER_CORE) -> int:
    """Most channels a 1x1 ungrouped projection may read (the output layer: classes rarely share a divisor)."""
    return axons // WEIGHT_AXONS


def plan(layers: List[Tuple[str, int, bool, int]], input_channels: int, signed_input: bool, cap_last: bool) -> List[Tuple[str, int, bool, int, int]]:
    """(name, channels, pooled, dilation) per layer -> (name, channels, pooled, dilation, groups)."""
    out = []
    cin = input_channels
    for i, (name, cout, pooled, dilation) in enumerate(layers):
        if cap_last and i == len(layers) - 1:
            cout = min(cout, output_channel_cap())
        taps = POOL_TAPS if pooled else CONV_TAPS
        out.append((name, cout, pooled, dilation, groups_for(name, cin, cout, taps, signed_input and i == 0)))
        cin = cout
    return out


class Trinary(torch.autograd.Function):
    """sign(w)·[|w| > 0.5] forward (zeros are +0, so exported kernels hold no −0); the gradient passes straight
    through (inside [-1, 1], where latents live)."""

    @staticmethod
    def forward(ctx, w: Tensor) -> Tensor:  # type: ignore[override]
        return (w > TRINARY_THRESHOLD).to(w.dtype) - (w < -TRINARY_THRESHOLD).to(w.dtype)

    @staticmethod
    def backward(ctx, grad: Tensor) -> Tensor:  # type: ignore[override]
        return grad


def trinary(w: Tensor) -> Tensor:
    return Trinary.apply(w)


@torch.no_grad()
def to_latent(w: Tensor) -> Tensor:
    """Rescales a float kernel per output channel so that weights above 0.7·mean|w| land beyond the threshold
    (ternary weight networks' rule); a kernel that is already trinary keeps its values' signs and zeros."""
    flat = w.reshape(w.shape[0], -1)
    delta = TWN_DELTA * flat.abs().mean(dim=1).clamp(min=1e-12)
    return (flat * (TRINARY_THRESHOLD / delta).unsqueeze(1)).clamp(-1.0, 1.0).reshape(w.shape)


@torch.no_grad()
def nonzero_mean_abs(w: Tensor) -> Tensor:
    """Per output channel: the mean |w| of the non-zero weights (the scale of a trinary kernel ±a)."""
    flat = w.reshape(w.shape[0], -1).abs()
    count = (flat > 0).sum(dim=1).clamp(min=1)
    return flat.sum(dim=1) / count
