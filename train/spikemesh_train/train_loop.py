# The training loop of paper Algorithm 1: epochs of Adam steps, resumable checkpoints, a wall-clock budget, val MIoU.
"""Training, evaluation and checkpoints for train/train.py.

A run is fully described by ``RunConfig``. Its state after every epoch, and every few minutes inside an
epoch, is saved atomically to ``<workdir>/checkpoint.pt``: weights, Adam state, the position in the epoch
(the sample order is a function of seed and epoch, so it need not be stored), the Poisson generator and
the per-epoch log. Starting again with the same workdir continues where the last checkpoint left off.
"""

from __future__ import annotations

import math
import os
import shutil
import tempfile
import time
from dataclasses import asdict, dataclass, field, fields
from typing import Callable, Dict, List, Optional

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from .bundle import load_initial_weights
from .data import IGNORE_LABEL, BatchSource, SegmentationData, batches, epoch_order
from .metrics import ConfusionMatrix
from .models import ArchSpec, SegmentationNet, build_model, init_weights

LR_DECAY = 0.1  # ×0.1 step decay (paper §IV-A)
LR_DECAY_AT = 0.5  # … at 50 % of the epochs
CHECKPOINT_FILE = 'checkpoint.pt'
EVAL_STEP_FRACTION = 0.4  # a no-grad forward costs about this share of a training step (budget estimate)
EXPORT_RESERVE_S = 15.0  # seconds kept back for saving, exporting and start-up noise
# Fields of RunConfig that may change between a run and its resumption (they change no result).
RESUMABLE_CHANGES = ('epochs', 'threads', 'max_minutes', 'checkpoint_minutes', 'out', 'init_from')


def schedule_warning(epochs_done: int, epoch_seconds: float, seconds_left: float, epochs: int, decay_epoch: int) -> Optional[str]:
    """
    A warning when, at epoch_seconds per epoch, the time budget (seconds_left more) ends before the ×0.1 step at
    0-based epoch decay_epoch — the step would never happen (a run planned for many epochs on a short budget).
    None when the step has happened or falls inside the budget (a run without a budget does not ask).
    """
    if epochs_done >= decay_epoch or decay_epoch >= epochs or epoch_seconds <= 0:
        return None
    fit = epochs_done + int(seconds_left // epoch_seconds)
    if fit > decay_epoch:
        return None
    return (f'warning: at {epoch_seconds:.3g} s per epoch the budget ends after about {fit} epochs, before the x{LR_DECAY:g} '
            f'step from epoch {decay_epoch + 1} of {epochs}; --epochs {max(fit, 1)} would put the step inside it')


class ConfigMismatch(Exception):
    """The workdir's checkpoint was made with settings that differ from this run's."""


@dataclass(frozen=True)
class RunConfig:
    arch: str
    kind: str
    width: float
    timesteps: int
    epochs: int
    batch: int
    size: int
    seed: int
    lr: float
    threads: int
    max_minutes: float
    checkpoint_minutes: float
    out: str
    class_weights: str = 'none'
    init_from: str = ''  # a bundle whose synaptic weights start the run (hybrid training); '' = random init
    target: str = ''  # '' or 'truenorth' (models.ArchSpec.target)

    def loss_text(self) -> str:
        weights = {'none': '', 'inverse-sqrt': ', class weights 1/sqrt(pixel frequency in the training labels), pixel-weighted mean 1'}
        return f'spatial cross-entropy over the upsampled accumulator m/T (paper Eq. 5), ignore_index 255{weights[self.class_weights]}'

    def lr_at(self, epoch: int) -> float:
        """Adam's learning rate in epoch ``epoch`` (0-based): ×0.1 from half of the epochs on."""
        return self.lr * (LR_DECAY if epoch >= self.decay_epoch() else 1.0)

    def decay_epoch(self) -> int:
        """0-based epoch from which the ×0.1 step applies (≥ epochs: none)."""
        return math.ceil(self.epochs * LR_DECAY_AT)

    def lr_schedule(self) -> str:
        first = self.decay_epoch() + 1
        decay = f'x{LR_DECAY:g} from epoch {first} of {self.epochs}' if first <= self.epochs else f'no decay within {self.epochs} epoch(s)'
        return f'Adam lr {self.lr:g}, {decay}'


@dataclass
class EpochStats:
    """Running sums of one epoch's training batches (kept in the checkpoint, so a resumed epoch logs correctly)."""

    loss_sum: float = 0.0
    samples: int = 0
    correct: int = 0
    pixels: int = 0
    seconds: float = 0.0

    def add(self, loss: float, n: int, correct: int, pixels: int, seconds: float) -> None:
        self.loss_sum += loss * n
        self.samples += n
        self.correct += correct
        self.pixels += pixels
        self.seconds += seconds

    @property
    def loss(self) -> float:
        return self.loss_sum / self.samples if self.samples else float('nan')

    @property
    def accuracy(self) -> float:
        return self.correct / self.pixels if self.pixels else float('nan')


@dataclass
class TrainState:
    epoch: int = 0  # the epoch in progress (== epochs when training is done)
    batch: int = 0  # next batch index inside it
    stats: EpochStats = field(default_factory=EpochStats)
    history: List[Dict[str, float]] = field(default_factory=list)
    train_seconds: float = 0.0  # wall time spent training and evaluating, over all resumptions


@dataclass
class Evaluation:
    miou: float
    pixel_accuracy: float
    samples: int
    iou: List[float]
    seconds: float


def model_spec(config: RunConfig, data: SegmentationData) -> ArchSpec:
    """The network this run trains: input channels and classes from the data, encoding from kind and modality."""
    spiking = config.kind == 'snn'
    encoding = ('poisson' if data.modality == 'image' else 'dvs') if spiking else 'analog'
    return ArchSpec.default(
        config.arch, config.kind,
        input_height=config.size, input_width=config.size, input_channels=data.channels,
        classes=len(data.class_names), timesteps=config.timesteps if spiking else 1,
        width=config.width, encoding=encoding, target=config.target,
        # TrueNorth's leak is a constant added per tick, not a decay: its networks integrate without one.
        **({'leak': 1.0} if config.target == 'truenorth' else {}),
    )


def class_weights(mode: str, data: SegmentationData, classes: int) -> Optional[Tensor]:
    """Per-class loss weights: None (plain Eq. 5), or 1/sqrt(frequency) so rare digits are not drowned by background."""
    if mode == 'none':
        return None
    counts = np.zeros(classes, dtype=np.float64)
    for start in range(0, data.count, 256):  # labels are memory-mapped: count in slices
        block = np.asarray(data.labels[start:start + 256]).ravel()
        counts += np.bincount(block[block != IGNORE_LABEL], minlength=classes)[:classes]
    freq = counts / counts.sum()
    weights = np.where(freq > 0, 1.0 / np.sqrt(np.where(freq > 0, freq, 1.0)), 0.0)
    weights /= (freq * weights).sum()
    return torch.tensor(weights, dtype=torch.float32)


def _save_atomic(obj, path: str) -> None:
    """torch.save into a scratch folder beside ``path``, then rename: a crash never leaves half a checkpoint."""
    scratch = tempfile.mkdtemp(dir=os.path.dirname(path), prefix='.ckpt-')
    try:
        tmp = os.path.join(scratch, os.path.basename(path))
        torch.save(obj, tmp)
        os.replace(tmp, path)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


class Trainer:
    """Owns the model, optimiser, generator and state of one run; ``log`` receives one line per event."""

    def __init__(self, config: RunConfig, train: SegmentationData, val: SegmentationData, workdir: str, log: Callable[[str], None]):
        self.config = config
        self.train_data, self.val_data = train, val
        self.workdir = workdir
        self.log = log
        self.spec = model_spec(config, train)
        spiking = self.spec.spiking
        self.train_source = BatchSource(train, config.size, spiking)
        self.val_source = BatchSource(val, config.size, spiking)
        torch.manual_seed(config.seed)
        self.model: SegmentationNet = build_model(self.spec)
        init_weights(self.model)
        self.optimizer = torch.optim.Adam(self.model.param_groups(config.lr_at(0)), lr=config.lr_at(0))
        self.generator = torch.Generator().manual_seed(config.seed)
        self.state = TrainState()
        self.started = time.monotonic()
        self.step_seconds: Optional[float] = None  # moving average of one training step
        self.last_eval_seconds: Optional[float] = None
        self.last_checkpoint = time.monotonic()
        self.final_eval: Optional[Evaluation] = None
        self.loss_weights = class_weights(config.class_weights, train, len(train.class_names))
        self.warned_schedule = False
        self.first_epoch = 0  # the epoch this run started (or resumed) in
        self.initialised_from: Optional[dict] = None  # provenance of --init-from's bundle, kept across resumes

    # -- checkpoints ---------------------------------------------------------------------------------

    @property
    def checkpoint_path(self) -> str:
        return os.path.join(self.workdir, CHECKPOINT_FILE)

    def save_checkpoint(self) -> None:
        os.makedirs(self.workdir, exist_ok=True)
        s = self.state
        _save_atomic({
            'config': asdict(self.config),
            'spec': self.spec.to_json(),
            'model': self.model.state_dict(),
            'optimizer': self.optimizer.state_dict(),
            'generator': self.generator.get_state(),
            'epoch': s.epoch,
            'batch': s.batch,
            'stats': asdict(s.stats),
            'history': s.history,
            'train_seconds': s.train_seconds,
            'initialised_from': self.initialised_from,
        }, self.checkpoint_path)
        self.last_checkpoint = time.monotonic()

    def resume(self) -> bool:
        """Loads the workdir's checkpoint if there is one; returns whether it did."""
        if not os.path.exists(self.checkpoint_path):
            return False
        ckpt = torch.load(self.checkpoint_path)
        saved, now = ckpt['config'], asdict(self.config)
        defaults = {f.name: f.default for f in fields(RunConfig)}  # a checkpoint older than a field ran with its default
        changed = [k for k in now if k not in RESUMABLE_CHANGES and saved.get(k, defaults[k]) != now[k]]
        if changed:
            diffs = ', '.join(f'{k} {saved.get(k)!r} -> {now[k]!r}' for k in changed)
            raise ConfigMismatch(f'{self.checkpoint_path}: made with other settings ({diffs}); use another --workdir or the same flags')
        self.model.load_state_dict(ckpt['model'])
        self.optimizer.load_state_dict(ckpt['optimizer'])
        self.generator.set_state(ckpt['generator'])
        self.state = TrainState(ckpt['epoch'], ckpt['batch'], EpochStats(**ckpt['stats']), ckpt['history'], ckpt['train_seconds'])
        self.initialised_from = ckpt.get('initialised_from')
        self.log(f'resumed from {self.checkpoint_path}: epoch {self.state.epoch + 1}, batch {self.state.batch}, '
                 f'{len(self.state.history)} epochs logged, {self.state.train_seconds:.0f} s trained')
        return True

    def start(self) -> None:
        """Resumes the workdir's checkpoint, or else starts from --init-from's weights when given."""
        if self.resume() or not self.config.init_from:
            return
        self.initialised_from = load_initial_weights(self.model, self.config.init_from)
        source = self.initialised_from
        miou = source['valMiou']
        self.log(f"initialised from {source['bundle']} ({source['arch']}/{source['kind']}"
                 f"{'' if miou is None else f', val MIoU {miou:.4f}'}): {source['tensorsCopied']} weight tensors copied, "
                 f'normalisation starts fresh')

    # -- budget --------------------------------------------------------------------------------------

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def eval_estimate(self) -> float:
        """Seconds a full validation pass should take: measured if one ran, else from the step time."""
        if self.last_eval_seconds is not None:
            return self.last_eval_seconds
        val_batches = math.ceil(self.val_data.count / self.config.batch)
        return val_batches * (self.step_seconds or 0.0) * EVAL_STEP_FRACTION

    def out_of_time(self, before_eval: bool) -> bool:
        """Whether another training step would leave too little of --max-minutes for the final evaluation and export."""
        if self.config.max_minutes <= 0:
            return False
        reserve = EXPORT_RESERVE_S + self.eval_estimate() + (self.step_seconds or 0.0)
        if before_eval:
            reserve += self.eval_estimate()  # the end-of-epoch evaluation comes before the final one
        return self.elapsed() + reserve > self.config.max_minutes * 60

    # -- training ------------------------------------------------------------------------------------

    def train_step(self, indices) -> None:
        t0 = time.monotonic()
        x, labels = self.train_source.batch(indices)
        self.model.train()
        scores = self.model.run(x, generator=self.generator).scores
        loss = F.cross_entropy(scores, labels, weight=self.loss_weights, ignore_index=IGNORE_LABEL)
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        self.model.after_step()
        keep = labels != IGNORE_LABEL
        correct = int((scores.detach().argmax(dim=1)[keep] == labels[keep]).sum())
        seconds = time.monotonic() - t0
        self.state.stats.add(float(loss), len(indices), correct, int(keep.sum()), seconds)
        self.state.train_seconds += seconds
        self.step_seconds = seconds if self.step_seconds is None else 0.8 * self.step_seconds + 0.2 * seconds

    @torch.no_grad()
    def evaluate(self) -> Evaluation:
        """Val MIoU and pixel accuracy over the whole val file, in eval mode, with a fixed Poisson seed."""
        t0 = time.monotonic()
        self.model.eval()
        generator = torch.Generator().manual_seed(self.config.seed + 1)
        matrix = ConfusionMatrix(self.spec.classes)
        order = torch.arange(self.val_data.count).numpy()
        for indices in batches(order, self.config.batch):
            x, labels = self.val_source.batch(indices)
            matrix.add(self.model.run(x, generator=generator).scores.argmax(dim=1), labels)
        seconds = time.monotonic() - t0
        self.last_eval_seconds = seconds
        self.state.train_seconds += seconds
        return Evaluation(matrix.mean_iou(), matrix.pixel_accuracy(), self.val_data.count, matrix.iou_per_class(), seconds)

    def _finish_epoch(self) -> None:
        s = self.state
        evaluation = self.evaluate()
        entry = {
            'epoch': s.epoch + 1, 'loss': round(s.stats.loss, 6), 'trainPixelAccuracy': round(s.stats.accuracy, 6),
            'valMiou': round(evaluation.miou, 6), 'valPixelAccuracy': round(evaluation.pixel_accuracy, 6),
            'lr': float(f'{self.config.lr_at(s.epoch):.6g}'), 'seconds': round(s.stats.seconds + evaluation.seconds, 1),
        }
        s.history.append(entry)
        self.log(f"epoch {entry['epoch']}/{self.config.epochs}  loss {entry['loss']:.4f}  train acc {entry['trainPixelAccuracy']:.4f}  "
                 f"val MIoU {entry['valMiou']:.4f}  val acc {entry['valPixelAccuracy']:.4f}  lr {entry['lr']:.0e}  {entry['seconds']:.1f} s")
        s.epoch += 1
        s.batch = 0
        s.stats = EpochStats()
        self.final_eval = evaluation
        self.save_checkpoint()
        self.warn_about_schedule()

    def warn_about_schedule(self) -> None:
        """Logs schedule_warning once per run, at the wall-clock pace of this run's epochs so far (checkpoints included)."""
        cfg = self.config
        done_here = self.state.epoch - self.first_epoch
        if self.warned_schedule or cfg.max_minutes <= 0 or done_here <= 0:
            return
        message = schedule_warning(self.state.epoch, self.elapsed() / done_here, cfg.max_minutes * 60 - self.elapsed(), cfg.epochs, cfg.decay_epoch())
        if message:
            self.log(message)
            self.warned_schedule = True

    def run(self) -> str:
        """Trains until --epochs are done or the budget is spent; returns why it stopped ('epochs' or 'time budget')."""
        cfg = self.config
        self.first_epoch = self.state.epoch
        while self.state.epoch < cfg.epochs:
            for group in self.optimizer.param_groups:
                group['lr'] = cfg.lr_at(self.state.epoch) * group.get('lr_scale', 1.0)
            order = epoch_order(self.train_data.count, cfg.seed, self.state.epoch)
            for indices in batches(order, cfg.batch, self.state.batch):
                if self.out_of_time(before_eval=True):
                    self.save_checkpoint()
                    self.log(f'time budget of {cfg.max_minutes:g} min reached in epoch {self.state.epoch + 1} '
                             f'after batch {self.state.batch}; stopping')
                    return 'time budget'
                self.train_step(indices)
                self.final_eval = None
                self.state.batch += 1
                if time.monotonic() - self.last_checkpoint > cfg.checkpoint_minutes * 60:
                    self.save_checkpoint()
                    self.log(f'  checkpoint: epoch {self.state.epoch + 1} batch {self.state.batch}, '
                             f'loss {self.state.stats.loss:.4f}, {self.step_seconds:.2f} s/step')
            self._finish_epoch()
        return 'epochs'

    def final_evaluation(self) -> Evaluation:
        """The val metrics of the weights as they are now (reusing the end-of-epoch pass when nothing changed since)."""
        if self.final_eval is None:
            self.final_eval = self.evaluate()
        return self.final_eval

    def epochs_done(self) -> float:
        """Completed epochs plus the fraction of the current one."""
        total = math.ceil(self.train_data.count / self.config.batch)
        return self.state.epoch + (self.state.batch / total if self.state.epoch < self.config.epochs else 0.0)

