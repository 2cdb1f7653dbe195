#!/usr/bin/python3
# Command line of the spikemesh trainer: trains Spiking-DeepLab / Spiking-FCN (or an ANN twin) and exports a bundle.
"""Trains a spikemesh network on a `spikemesh data export` file (paper Algorithm 1) and exports a bundle.

SNN: BNTT + LIF (λ 0.99, θ 1.0, soft reset), signed Poisson input resampled each step (or one DVS frame
per step), piecewise-linear surrogate gradient (Eq. 6), accumulator output m/T upsampled bilinearly,
spatial cross-entropy (Eq. 5, label 255 ignored), Adam 3e-3 with ×0.1 at half of the epochs.
ANN twin (--kind ann): BatchNorm + ReLU, one analog step. The run checkpoints to --workdir every epoch
and every few minutes, resumes from there, and exports ``model.json`` + ``weights.safetensors`` with
provenance and the measured val MIoU when the epochs are done or --max-minutes is used up.
--init-from starts an SNN from the synaptic weights of its trained ANN twin (hybrid training) instead of
random ones; training then proceeds as above.

Example:
  /usr/bin/python3 train/train.py --data train.safetensors --val val.safetensors --width 1/8 --timesteps 8 \\
      --epochs 20 --batch 16 --threads 2 --max-minutes 45 --workdir train/runs/dl --out models/spiking-deeplab-digits
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from fractions import Fraction

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
# Waiting OpenMP threads sleep instead of spinning: on a shared CPU, spinning threads starve the ones with
# work (2 threads measured 10-20x slower per step while other jobs ran). Must be set before torch loads.
os.environ.setdefault('OMP_WAIT_POLICY', 'PASSIVE')

import torch  # noqa: E402

from spikemesh_train.bundle import BundleError  # noqa: E402
from spikemesh_train.data import DataError, SegmentationData, check_labels, input_description, load_data  # noqa: E402
from spikemesh_train.export import ExportError, check_replaceable, export_bundle, metrics, provenance  # noqa: E402
from spikemesh_train.models import ARCHS, KINDS, MIN_SIZE_DIVISOR, ArchSpec  # noqa: E402
from spikemesh_train.truenorth import TruenorthError  # noqa: E402
from spikemesh_train.train_loop import ConfigMismatch, RunConfig, Trainer  # noqa: E402

DEFAULT_TIMESTEPS = 20  # the zoo's default for image input (DVS input defaults to the file's windows)
DEFAULT_LR = 3e-3  # paper §IV-A
DEFAULT_CHECKPOINT_MINUTES = 5.0


class UsageError(Exception):
    """A bad flag value; the message names the flag."""


def positive_width(text: str) -> float:
    """A width multiplier written as a decimal or a fraction ('0.125', '1/8')."""
    try:
        value = float(Fraction(text))
    except (ValueError, ZeroDivisionError):
        raise argparse.ArgumentTypeError(f"'{text}' is not a number or fraction") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be positive, got '{text}'")
    return value


def int_at_least(low: int):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"'{text}' is not an integer") from None
        if value < low:
            raise argparse.ArgumentTypeError(f'must be at least {low}, got {value}')
        return value
    return parse


def non_negative_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number") from None
    if not value >= 0:
        raise argparse.ArgumentTypeError(f'must be at least 0, got {text}')
    return value


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog='train.py', description=__doc__.split('\n')[0], epilog=__doc__.split('Example:')[1],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--arch', choices=ARCHS, default='dl-vgg9', help='dl-vgg9 (Spiking-DeepLab) or fcn-vgg9 (Spiking-FCN)')
    p.add_argument('--kind', choices=KINDS, default='snn', help='snn, or ann for the BN + ReLU twin')
    p.add_argument('--data', required=True, help='training file from `spikemesh data export --split train`')
    p.add_argument('--val', required=True, help='validation file from `spikemesh data export --split val`')
    p.add_argument('--width', type=positive_width, default=1.0, help='channel width multiplier, e.g. 1/8 (default 1)')
    p.add_argument('--timesteps', type=int_at_least(1), help=f'SNN timesteps (default {DEFAULT_TIMESTEPS}; DVS: the file\'s windows)')
    p.add_argument('--epochs', type=int_at_least(0), default=20, help='epochs (0 exports the initial weights, marked untrained)')
    p.add_argument('--batch', type=int_at_least(1), default=16, help='batch size (default 16)')
    p.add_argument('--size', type=int_at_least(1), help='input side in pixels; data is resized to it (default: the data\'s)')
    p.add_argument('--lr', type=non_negative_float, default=DEFAULT_LR, help=f'initial Adam learning rate (default {DEFAULT_LR:g})')
    p.add_argument('--threads', type=int_at_least(1), help='torch CPU threads (default: torch\'s choice)')
    p.add_argument('--seed', type=int_at_least(0), default=1, help='seed of initial weights, sample order and Poisson draws')
    p.add_argument('--class-weights', choices=('none', 'inverse-sqrt'), default='none',
                   help='none: plain cross-entropy (paper Eq. 5); inverse-sqrt: weight class c by 1/sqrt(its pixel frequency), '
                        'which gets rare classes learnt sooner on background-heavy data')
    p.add_argument('--target', choices=('none', 'truenorth'), default='none',
                   help='none, or truenorth: grouped convs that fit 256-axon cores, trinary weights (straight-through), '
                        'one BNTT for all steps, no leak (docs/truenorth.md)')
    p.add_argument('--init-from', metavar='BUNDLE', default='',
                   help='start from the synaptic weights of a trained bundle of the same architecture and width, e.g. the '
                        'ANN twin (hybrid training; normalisation is not copied); ignored when --workdir holds a checkpoint')
    p.add_argument('--out', required=True, help='bundle folder to write (replaced atomically)')
    p.add_argument('--workdir', required=True, help='folder for checkpoints; an existing checkpoint there is resumed')
    p.add_argument('--max-minutes', type=non_negative_float, default=0.0,
                   help='wall-clock budget of this invocation; training stops early enough to evaluate and export (0: none)')
    p.add_argument('--checkpoint-minutes', type=non_negative_float, default=DEFAULT_CHECKPOINT_MINUTES,
                   help=f'checkpoint inside an epoch at least this often (default {DEFAULT_CHECKPOINT_MINUTES:g})')
    return p


def resolve_config(args: argparse.Namespace, train: SegmentationData, val: SegmentationData) -> RunConfig:
    """Checks the two files against each other and the flags; fills defaults that depend on the data."""
    if train.modality != val.modality:
        raise UsageError(f'--val: {val.path} holds {val.modality} samples, --data {train.path} holds {train.modality}')
    if train.class_names != val.class_names:
        raise UsageError(f'--val: {val.path} has classes {val.class_names}, --data has {train.class_names}')
    if train.timesteps != val.timesteps:
        raise UsageError(f'--val: {val.path} has {val.timesteps} event windows per sample, --data has {train.timesteps}')
    size = args.size if args.size is not None else train.height
    if train.height != train.width and args.size is None:
        raise UsageError(f'--size: {train.path} holds {train.height}x{train.width} samples; give a square --size')
    divisor = MIN_SIZE_DIVISOR[args.arch]
    if size % divisor:
        raise UsageError(f'--size: {args.arch} needs a side divisible by {divisor}, got {size}')
    timesteps = args.timesteps
    if train.modality == 'events':
        if timesteps is not None and timesteps != train.timesteps and args.kind == 'snn':
            raise UsageError(f'--timesteps: {train.path} has {train.timesteps} event windows per sample (one per step), got {timesteps}')
        timesteps = train.timesteps
    elif timesteps is None:
        timesteps = DEFAULT_TIMESTEPS
    if args.kind == 'ann':
        timesteps = 1
    if args.target != 'none':
        check_target(args, train, size)
    return RunConfig(
        arch=args.arch, kind=args.kind, width=args.width, timesteps=timesteps, epochs=args.epochs, batch=args.batch,
        size=size, seed=args.seed, lr=args.lr, threads=args.threads or torch.get_num_threads(),
        max_minutes=args.max_minutes, checkpoint_minutes=args.checkpoint_minutes, out=args.out,
        class_weights=args.class_weights, init_from=args.init_from, target='' if args.target == 'none' else args.target,
    )


def check_target(args: argparse.Namespace, train: SegmentationData, size: int) -> None:
    """Refuses a target the architecture or width cannot meet before any training starts."""
    if args.arch != 'dl-vgg9':
        raise UsageError(f'--target: {args.target} is built for dl-vgg9 only (fcn-vgg9 sends graded scores and has transposed convs)')
    try:
        ArchSpec.default(args.arch, args.kind, input_height=size, input_width=size, input_channels=train.channels,
                         classes=len(train.class_names), width=args.width, target=args.target,
                         **({} if args.kind == 'ann' else {'timesteps': 1})).layer_plan()
    except TruenorthError as e:
        raise UsageError(f'--target: {e}') from None


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def train(args: argparse.Namespace) -> None:
    started = time.monotonic()
    if args.threads:
        torch.set_num_threads(args.threads)
    train_data, val_data = load_data(args.data), load_data(args.val)
    config = resolve_config(args, train_data, val_data)
    check_replaceable(os.path.abspath(config.out))
    classes = len(train_data.class_names)
    check_labels(train_data, classes)
    check_labels(val_data, classes)
    trainer = Trainer(config, train_data, val_data, args.workdir, log)
    params = sum(p.numel() for p in trainer.model.parameters())
    log(f'{config.arch}/{config.kind}{"/" + config.target if config.target else ""} width {config.width:g} T={trainer.spec.timesteps} {config.size}x{config.size} '
        f'{classes} classes, {params} parameters; {train_data.count} train / {val_data.count} val samples '
        f'({train_data.dataset}); batch {config.batch}, {config.epochs} epochs, {config.lr_schedule()}; '
        f'{"" if trainer.loss_weights is None else "class weights " + " ".join(f"{w:.2f}" for w in trainer.loss_weights.tolist()) + "; "}'
        f'{torch.get_num_threads()} threads, budget {config.max_minutes:g} min')
    trainer.start()
    stopped_by = trainer.run()
    evaluation = trainer.final_evaluation()
    prov = provenance(config, train_data, val_data, trainer.epochs_done(), stopped_by, trainer.state.train_seconds,
                      input_description(train_data, config.size, trainer.spec.spiking), trainer.state.history,
                      trainer.initialised_from)
    untrained = trainer.state.epoch == 0 and trainer.state.batch == 0 and trainer.initialised_from is None
    export_bundle(config.out, trainer.model, train_data.dataset, train_data.class_names, prov,
                  metrics(evaluation, train_data.class_names), untrained)
    log(f'exported {config.out}: val MIoU {evaluation.miou:.4f}, pixel accuracy {evaluation.pixel_accuracy:.4f} '
        f'({evaluation.samples} samples), {trainer.epochs_done():.2f} epochs, stopped by {stopped_by}, '
        f'{time.monotonic() - started:.0f} s this run')


def main(argv=None) -> int:
    args = parser().parse_args(argv)
    try:
        train(args)
    except (DataError, UsageError, ConfigMismatch, ExportError, BundleError) as e:
        print(f'train.py: {e}', file=sys.stderr)
        return 2
    return 0


if __name__ == '__main__':
    sys.exit(main())
