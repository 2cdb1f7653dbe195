# Reads `spikemesh data export` safetensors files and turns their samples into network input exactly as src/data does.
"""Training data for the spikemesh trainer.

A data file (``spikemesh data export``) is safetensors with

* ``images`` U8 [N,H,W,3] RGB, or ``events`` [N,T,2,H,W] event counts (channel 0 = ON, 1 = OFF);
* ``labels`` U8 [N,H,W], class index per pixel, 255 = ignore;
* ``__metadata__`` with at least ``class_names`` (a JSON list) and ``dataset`` (the set's name).

Normalisation follows src/data/normalise.ts: images become B,G,R minus the VOC mean, divided by 255;
event frames are min-max scaled per sample and polarity channel over all T windows to [−0.5, 0.5]
(a constant channel becomes −0.5). Tensors are memory-mapped, so a large file costs no RAM up front.
"""

from __future__ import annotations

import json
import os
import struct
from dataclasses import dataclass
from typing import Dict, List, Mapping, Tuple

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

IGNORE_LABEL = 255
VOC_MEAN_BGR = (104.00699, 116.66877, 122.67892)  # src/data/normalise.ts VOC_MEAN_BGR
MAX_HEADER_BYTES = 100 * 1024 * 1024  # as src/io/safetensors.ts: a corrupt length must not allocate gigabytes
GAUSSIAN_TRUNCATE = 4  # scipy.ndimage's default support, as src/data/resize.ts

_NUMPY_DTYPES = {
    'U8': np.uint8, 'I8': np.int8, 'I16': np.int16, 'I32': np.int32, 'I64': np.int64,
    'F16': np.float16, 'F32': np.float32, 'F64': np.float64,
}


class DataError(Exception):
    """A data file the trainer cannot use; the message names the file and the problem (one line)."""


@dataclass(frozen=True)
class TensorEntry:
    dtype: str
    shape: Tuple[int, ...]
    begin: int  # absolute byte offset in the file
    end: int


def read_header(path: str) -> Tuple[Dict[str, TensorEntry], Dict[str, str]]:
    """The tensor table and metadata of a safetensors file, with every offset checked against the file size."""
    if not os.path.isfile(path):
        raise DataError(f'{path}: no such file')
    size = os.path.getsize(path)
    with open(path, 'rb') as f:
        head = f.read(8)
        if len(head) < 8:
            raise DataError(f'{path}: truncated safetensors file (no header length)')
        (length,) = struct.unpack('<Q', head)
        if length > MAX_HEADER_BYTES or 8 + length > size:
            raise DataError(f'{path}: corrupt safetensors header length {length} (file has {size} bytes)')
        try:
            header = json.loads(f.read(length).decode('utf-8'))
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise DataError(f'{path}: corrupt safetensors header (not valid JSON)') from None
    if not isinstance(header, dict):
        raise DataError(f'{path}: corrupt safetensors header (not an object)')
    metadata = header.pop('__metadata__', None) or {}
    start = 8 + length
    entries: Dict[str, TensorEntry] = {}
    for name, entry in header.items():
        try:
            dtype, shape, (begin, end) = entry['dtype'], tuple(int(d) for d in entry['shape']), entry['data_offsets']
        except (KeyError, TypeError, ValueError):
            raise DataError(f"{path}: tensor '{name}' has a malformed header entry") from None
        if dtype not in _NUMPY_DTYPES:
            raise DataError(f"{path}: tensor '{name}' has unsupported dtype {dtype}")
        expected = int(np.prod(shape, dtype=np.int64)) * np.dtype(_NUMPY_DTYPES[dtype]).itemsize
        if end - begin != expected or begin < 0 or start + end > size:
            raise DataError(f"{path}: tensor '{name}' data [{begin},{end}) does not fit its shape {list(shape)} or the file")
        entries[name] = TensorEntry(dtype, shape, start + begin, start + end)
    return entries, metadata


def map_tensor(path: str, entry: TensorEntry) -> np.ndarray:
    """A read-only little-endian memory map of one tensor."""
    dtype = np.dtype(_NUMPY_DTYPES[entry.dtype]).newbyteorder('<')
    if entry.end == entry.begin:
        return np.zeros(entry.shape, dtype=dtype)
    return np.memmap(path, dtype=dtype, mode='r', offset=entry.begin, shape=entry.shape)


def _class_names(path: str, metadata: Mapping[str, str]) -> List[str]:
    raw = metadata.get('class_names')
    if raw is None:
        raise DataError(f"{path}: metadata has no 'class_names' (export the file with `spikemesh data export`)")
    try:
        names = json.loads(raw)
    except json.JSONDecodeError:
        names = None
    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        raise DataError(f"{path}: metadata 'class_names' is not a JSON list of names")
    if metadata.get('ignore_label', str(IGNORE_LABEL)) != str(IGNORE_LABEL):
        raise DataError(f"{path}: metadata says ignore_label {metadata['ignore_label']}; the trainer ignores {IGNORE_LABEL}")
    return names


@dataclass
class SegmentationData:
    """One split: raw samples (memory-mapped) plus what the network needs to know about them."""

    path: str
    dataset: str
    modality: str  # 'image' or 'events'
    samples: np.ndarray  # [N,H,W,3] uint8 or [N,T,2,H,W] counts
    labels: np.ndarray  # [N,H,W] uint8
    class_names: List[str]
    metadata: Dict[str, str]

    @property
    def count(self) -> int:
        return int(self.labels.shape[0])

    @property
    def height(self) -> int:
        return int(self.labels.shape[1])

    @property
    def width(self) -> int:
        return int(self.labels.shape[2])

    @property
    def channels(self) -> int:
        return 3 if self.modality == 'image' else 2

    @property
    def timesteps(self) -> int:
        """Event windows per sample (1 for images)."""
        return 1 if self.modality == 'image' else int(self.samples.shape[1])

    @property
    def file_bytes(self) -> int:
        return os.path.getsize(self.path)


def load_data(path: str) -> SegmentationData:
    """Opens and checks a data file; raises DataError with a one-line reason when it cannot be used."""
    entries, metadata = read_header(path)
    if 'labels' not in entries:
        raise DataError(f"{path}: no 'labels' tensor (is this a `spikemesh data export` file?)")
    kinds = [k for k in ('images', 'events') if k in entries]
    if len(kinds) != 1:
        raise DataError(f"{path}: needs exactly one of 'images' or 'events', found {kinds or 'neither'}")
    modality = 'image' if kinds[0] == 'images' else 'events'
    labels_entry, sample_entry = entries['labels'], entries[kinds[0]]
    if labels_entry.dtype != 'U8' or len(labels_entry.shape) != 3:
        raise DataError(f"{path}: 'labels' must be U8 [N,H,W], got {labels_entry.dtype} {list(labels_entry.shape)}")
    n, h, w = labels_entry.shape
    expected = [n, h, w, 3] if modality == 'image' else [n, None, 2, h, w]
    actual = list(sample_entry.shape)
    if len(actual) != len(expected) or any(e is not None and e != a for e, a in zip(expected, actual)):
        layout = 'U8 [N,H,W,3]' if modality == 'image' else '[N,T,2,H,W]'
        raise DataError(f"{path}: '{kinds[0]}' must be {layout} matching labels {[n, h, w]}, got {actual}")
    if modality == 'image' and sample_entry.dtype != 'U8':
        raise DataError(f"{path}: 'images' must be U8, got {sample_entry.dtype}")
    if n == 0:
        raise DataError(f'{path}: the file holds no samples')
    labels = map_tensor(path, labels_entry)
    names = _class_names(path, metadata)
    dataset = metadata.get('dataset') or os.path.splitext(os.path.basename(path))[0]
    return SegmentationData(path, dataset, modality, map_tensor(path, sample_entry), labels, names, dict(metadata))


def check_labels(data: SegmentationData, classes: int) -> None:
    """Every label is a class index below ``classes`` or IGNORE_LABEL (scanned once, in chunks)."""
    for start in range(0, data.count, 1024):
        chunk = np.asarray(data.labels[start:start + 1024])
        bad = chunk[(chunk >= classes) & (chunk != IGNORE_LABEL)]
        if bad.size:
            raise DataError(f'{data.path}: label value {int(bad[0])} is not a class index (classes 0..{classes - 1}) or {IGNORE_LABEL}')


def normalise_images(rgb: np.ndarray) -> Tensor:
    """uint8 [N,H,W,3] RGB → float32 [N,3,H,W] B,G,R minus the VOC mean, /255 (normaliseImage in src/data)."""
    x = torch.from_numpy(np.ascontiguousarray(rgb[..., ::-1])).permute(0, 3, 1, 2).to(torch.float32)
    mean = torch.tensor(VOC_MEAN_BGR, dtype=torch.float32).view(1, 3, 1, 1)
    return (x - mean) / 255.0


def normalise_events(counts: np.ndarray) -> Tensor:
    """[N,T,2,H,W] counts → float32 frames in [−0.5, 0.5]: per sample and polarity, min-max over all windows."""
    x = torch.from_numpy(np.asarray(counts, dtype=np.float32))
    lo = x.amin(dim=(1, 3, 4), keepdim=True)
    hi = x.amax(dim=(1, 3, 4), keepdim=True)
    span = hi - lo
    scale = torch.where(span > 0, 1.0 / torch.where(span > 0, span, torch.ones_like(span)), torch.zeros_like(span))
    return (x - lo) * scale - 0.5


def _gaussian_blur(x: Tensor, sigma: float, dim: int) -> Tensor:
    """Blur [N,C,H,W] along H (dim 2) or W (dim 3) with mirror borders, as src/data/resize.ts blurAxis."""
    radius = int(GAUSSIAN_TRUNCATE * sigma + 0.5)
    offsets = torch.arange(-radius, radius + 1, dtype=torch.float64)
    kernel = torch.exp(-0.5 * offsets ** 2 / sigma ** 2)
    kernel = (kernel / kernel.sum()).to(x.dtype)
    n, c, h, w = x.shape
    if dim == 2:
        padded = F.pad(x, (0, 0, radius, radius), mode='reflect')
        weight = kernel.view(1, 1, -1, 1).expand(c, 1, -1, 1)
    else:
        padded = F.pad(x, (radius, radius, 0, 0), mode='reflect')
        weight = kernel.view(1, 1, 1, -1).expand(c, 1, 1, -1)
    return F.conv2d(padded, weight, groups=c)


def resize_inputs(x: Tensor, size: int) -> Tensor:
    """[N,C,H,W] → [N,C,size,size] like resizeBilinear in src/data/resize.ts: anti-alias blur when shrinking, then
    bilinear sampling at pixel centres (PyTorch's align_corners=False clamps at the edges the same way)."""
    h, w = x.shape[-2:]
    if (h, w) == (size, size):
        return x
    if h > size:
        x = _gaussian_blur(x, (h / size - 1) / 2, 2)
    if w > size:
        x = _gaussian_blur(x, (w / size - 1) / 2, 3)
    return F.interpolate(x, size=(size, size), mode='bilinear', align_corners=False)


def resize_labels(labels: Tensor, size: int) -> Tensor:
    """[N,H,W] labels → [N,size,size] by nearest source pixel floor(dst·H/size), as resizeNearest (cv2 INTER_NEAREST)."""
    h, w = labels.shape[-2:]
    if (h, w) == (size, size):
        return labels
    rows = torch.clamp((torch.arange(size) * h) // size, max=h - 1)
    cols = torch.clamp((torch.arange(size) * w) // size, max=w - 1)
    return labels[:, rows][:, :, cols]


class BatchSource:
    """Turns sample indices into (network input, labels) tensors at the training size.

    Network input: images [N,3,S,S] (encoded by the model), or event frames [T,N,2,S,S] for a spiking
    network, or for an ANN twin on events the mean of the T normalised frames [N,2,S,S] (one analog step).
    """

    def __init__(self, data: SegmentationData, size: int, spiking: bool):
        self.data = data
        self.size = size
        self.spiking = spiking

    def batch(self, indices: np.ndarray) -> Tuple[Tensor, Tensor]:
        order = np.sort(indices)  # memory maps read faster in file order; the batch order is restored below
        restore = np.argsort(np.argsort(indices))
        raw = np.asarray(self.data.samples[order])[restore]
        labels = torch.from_numpy(np.asarray(self.data.labels[order])[restore].astype(np.int64))
        if self.data.modality == 'image':
            x = resize_inputs(normalise_images(raw), self.size)
        else:
            frames = normalise_events(raw)  # [N,T,2,H,W]
            n, t, c, h, w = frames.shape
            if self.spiking:
                x = resize_inputs(frames.reshape(n * t, c, h, w), self.size).reshape(n, t, c, self.size, self.size).transpose(0, 1).contiguous()
            else:
                x = resize_inputs(frames.mean(dim=1), self.size)
        return x, resize_labels(labels, self.size)


def input_description(data: SegmentationData, size: int, spiking: bool) -> Dict[str, object]:
    """What the trained network was fed, for model.json (an evaluator must prepare its input the same way)."""
    if data.modality == 'image':
        normalisation = f'B,G,R minus mean {list(VOC_MEAN_BGR)}, /255 (src/data normaliseImage)'
        frames = 'one image; signed Poisson spikes each step' if spiking else 'the image itself (one analog step)'
    else:
        normalisation = 'per sample and polarity channel min-max over all windows to [-0.5, 0.5] (src/data normaliseDvsFrames)'
        frames = 'one normalised event frame per timestep' if spiking else 'mean of the normalised event frames over all windows (one analog step)'
    resize = 'none' if (data.height, data.width) == (size, size) else (
        f'{data.height}x{data.width} -> {size}x{size}: inputs as src/data resizeBilinear (after normalising), labels nearest')
    return {'modality': data.modality, 'normalisation': normalisation, 'frames': frames, 'resize': resize}


def epoch_order(count: int, seed: int, epoch: int) -> np.ndarray:
    """The shuffled sample order of one epoch: a function of (seed, epoch) only, so a resumed run repeats it."""
    return np.random.default_rng([seed, epoch]).permutation(count)


def batches(order: np.ndarray, batch: int, start: int = 0) -> List[np.ndarray]:
    """Batches of ``order`` from batch index ``start``; the last one may be short."""
    return [order[i:i + batch] for i in range(start * batch, len(order), batch)]
