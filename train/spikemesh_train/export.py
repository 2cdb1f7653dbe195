# Writes a trained network as a spikemesh bundle (model.json + weights.safetensors), replacing the folder atomically.
"""The bundle a training run exports: the same schema as make_golden.py writes, with provenance and val metrics.

The two files are written into a scratch folder beside ``out``, which then replaces ``out`` by rename (an
existing bundle is moved aside first and deleted after), so ``out`` only ever holds a complete bundle.
"""

from __future__ import annotations

import datetime
import os
import shutil
from typing import Dict, List, Mapping, Optional

import torch

from .bundle import MODEL_FILE, WEIGHTS_FILE, write_bundle
from .data import SegmentationData
from .models import SegmentationNet

TOOL = 'train/train.py'


class ExportError(Exception):
    """The output folder cannot be replaced (one-line reason naming it)."""


def data_file_entry(data: SegmentationData) -> Dict[str, object]:
    """Enough to re-export the same file: `spikemesh data export --data <dataset> --split <split> --count <samples> --seed <seed>`."""
    entry: Dict[str, object] = {'path': data.path, 'bytes': data.file_bytes, 'samples': data.count, 'dataset': data.dataset}
    entry.update({key: data.metadata[key] for key in ('split', 'seed') if key in data.metadata})
    return entry


def provenance(config, train: SegmentationData, val: SegmentationData, epochs_done: float, stopped_by: str,
               wall_seconds: float, input_description: Mapping[str, object], history: List[Mapping[str, float]],
               initialised_from: Optional[Mapping[str, object]] = None) -> Dict[str, object]:
    entry = {
        'tool': TOOL,
        'torch': torch.__version__,
        'seed': config.seed,
        'epochs': round(epochs_done, 4),
        'epochsPlanned': config.epochs,
        'stoppedBy': stopped_by,
        'batch': config.batch,
        'optimizer': 'Adam',
        'lrSchedule': config.lr_schedule(),
        'loss': config.loss_text(),
        'surrogate': 'piecewise linear 0.3*max(0, 1-|u/theta-1|) (paper Eq. 6)' if config.kind == 'snn' else 'none (ANN)',
        'wallTimeSeconds': round(wall_seconds, 1),
        'dataFiles': {'train': data_file_entry(train), 'val': data_file_entry(val)},
        'input': dict(input_description),
        'epochLog': [dict(entry) for entry in history],
        'date': datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0).isoformat(),
    }
    if initialised_from:
        entry['initialisedFrom'] = dict(initialised_from)
    return entry


def metrics(evaluation, class_names: List[str]) -> Dict[str, object]:
    per_class = {name: (None if iou != iou else round(iou, 6)) for name, iou in zip(class_names, evaluation.iou)}
    return {
        'valMiou': evaluation.miou,
        'valPixelAccuracy': evaluation.pixel_accuracy,
        'valSamples': evaluation.samples,
        'valIouPerClass': per_class,
        'evaluatedWith': TOOL,
    }


def check_replaceable(out: str) -> None:
    """Refuses early (before hours of training) an --out that is a file or a folder of other things."""
    if not os.path.exists(out):
        return
    if not os.path.isdir(out):
        raise ExportError(f'{out}: exists and is not a folder')
    foreign = sorted(set(os.listdir(out)) - {MODEL_FILE, WEIGHTS_FILE})
    if foreign:
        raise ExportError(f'{out}: exists and holds other files ({", ".join(foreign[:3])}); refusing to replace it')


def export_bundle(out: str, model: SegmentationNet, dataset: str, class_names: List[str], prov: Mapping, metric: Mapping,
                  untrained: bool) -> None:
    """Writes the bundle to a scratch folder beside ``out`` and renames it into place."""
    out = os.path.abspath(out)
    check_replaceable(out)
    parent = os.path.dirname(out)
    os.makedirs(parent, exist_ok=True)
    scratch = os.path.join(parent, f'.{os.path.basename(out)}.{os.getpid()}.tmp')
    aside = os.path.join(parent, f'.{os.path.basename(out)}.{os.getpid()}.old')
    shutil.rmtree(scratch, ignore_errors=True)
    extra = {'classNames': list(class_names), 'metrics': dict(metric), 'untrained': untrained}
    try:
        write_bundle(scratch, model, dataset, prov, extra)
        replacing = os.path.exists(out)
        if replacing:
            os.replace(out, aside)
        try:
            os.replace(scratch, out)
        except OSError:
            if replacing:
                os.replace(aside, out)
            raise
        shutil.rmtree(aside, ignore_errors=True)
    except OSError as e:
        raise ExportError(f'{out}: could not write the bundle ({e})') from None
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
