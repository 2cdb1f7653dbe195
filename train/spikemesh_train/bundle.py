# spikemesh bundles from PyTorch: safetensors read/write (no extra package needed) and model.json + weights.
"""Writes the project's checkpoint format (DESIGN.md §3): ``model.json`` + ``weights.safetensors``.

Debian's python3-torch has no ``safetensors`` package, so the format is written here directly:
8-byte little-endian header length, a JSON header, then raw little-endian tensor data.
Every file is written to a temporary name and renamed, so nothing half-written is left behind.
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
from collections import OrderedDict
from typing import Dict, Mapping, Optional, Tuple

import numpy as np
import torch
from torch import Tensor

from .models import ArchSpec, SegmentationNet, adopt_float_weights, canonical_weights

BUNDLE_FORMAT = 'spikemesh-bundle'
BUNDLE_VERSION = 1
WEIGHTS_FILE = 'weights.safetensors'
MODEL_FILE = 'model.json'

_DTYPES = {torch.float32: ('F32', np.float32), torch.float64: ('F64', np.float64), torch.int64: ('I64', np.int64)}
_NUMPY_BY_NAME = {name: np_type for name, np_type in _DTYPES.values()}
_HEADER_ALIGN = 8  # pad the header so tensor data starts 8-byte aligned, as the reference writer does


def write_bytes_atomic(path: str, data: bytes) -> None:
    tmp = f'{path}.{os.getpid()}.tmp'
    with open(tmp, 'wb') as f:
        f.write(data)
    os.replace(tmp, path)


def safetensors_bytes(tensors: Mapping[str, Tensor], metadata: Optional[Mapping[str, str]] = None) -> bytes:
    header: Dict[str, object] = OrderedDict()
    if metadata:
        header['__metadata__'] = dict(metadata)
    chunks = []
    offset = 0
    for name, tensor in tensors.items():
        if tensor.dtype not in _DTYPES:
            raise ValueError(f"tensor '{name}' has dtype {tensor.dtype}; write F32, F64 or I64")
        dtype_name, np_type = _DTYPES[tensor.dtype]
        raw = tensor.detach().cpu().contiguous().numpy().astype(np.dtype(np_type).newbyteorder('<'), copy=False).tobytes()
        header[name] = {'dtype': dtype_name, 'shape': list(tensor.shape), 'data_offsets': [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    text = json.dumps(header, separators=(',', ':')).encode('utf-8')
    text += b' ' * (-len(text) % _HEADER_ALIGN)
    return struct.pack('<Q', len(text)) + text + b''.join(chunks)


def write_safetensors(path: str, tensors: Mapping[str, Tensor], metadata: Optional[Mapping[str, str]] = None) -> None:
    write_bytes_atomic(path, safetensors_bytes(tensors, metadata))


def read_safetensors(path: str) -> 'OrderedDict[str, Tensor]':
    """Reads what ``write_safetensors`` writes (F32/F64/I64), for round-trip checks."""
    with open(path, 'rb') as f:
        return parse_safetensors(f.read())


def parse_safetensors(data: bytes) -> 'OrderedDict[str, Tensor]':
    (length,) = struct.unpack('<Q', data[:8])
    header = json.loads(data[8:8 + length])
    start = 8 + length
    out: 'OrderedDict[str, Tensor]' = OrderedDict()
    for name, entry in header.items():
        if name == '__metadata__':
            continue
        begin, end = entry['data_offsets']
        array = np.frombuffer(data[start + begin:start + end], dtype=np.dtype(_NUMPY_BY_NAME[entry['dtype']]).newbyteorder('<'))
        out[name] = torch.from_numpy(array.astype(array.dtype.newbyteorder('='))).reshape(entry['shape'])
    return out


def model_json(spec: ArchSpec, dataset: str, provenance: Mapping, extra: Optional[Mapping] = None) -> dict:
    return {
        'format': BUNDLE_FORMAT,
        'version': BUNDLE_VERSION,
        'spec': spec.to_json(),
        'dataset': dataset,
        'provenance': dict(provenance),
        **(dict(extra) if extra else {}),
    }


def write_bundle(folder: str, model: SegmentationNet, dataset: str, provenance: Mapping, extra: Optional[Mapping] = None) -> None:
    """Writes ``model.json`` (spec, dataset, provenance, plus ``extra`` fields such as metrics) and the weights."""
    os.makedirs(folder, exist_ok=True)
    write_safetensors(os.path.join(folder, WEIGHTS_FILE), canonical_weights(model))
    text = json.dumps(model_json(model.spec, dataset, provenance, extra), indent=2) + '\n'
    write_bytes_atomic(os.path.join(folder, MODEL_FILE), text.encode('utf-8'))


class BundleError(Exception):
    """A bundle that cannot initialise a network (one line naming the folder or file and the problem)."""


# Normalisation is never carried over: an ANN twin's BatchNorm has no scale and its statistics describe ReLU
# activations, not spikes, so BNTT learns its own from the first batch.
_NORM_PARTS = ('.bn.', '.bntt.')
# Trainer-side parameters that a bundle stores folded into others (the TrueNorth output scale is in output.conv.weight).
_DERIVED = ('output.scale',)


def _read_bundle(folder: str) -> Tuple[dict, 'OrderedDict[str, Tensor]', bytes]:
    model_file, weights_file = os.path.join(folder, MODEL_FILE), os.path.join(folder, WEIGHTS_FILE)
    for path in (model_file, weights_file):
        if not os.path.isfile(path):
            raise BundleError(f'{path}: no such file (--init-from wants a bundle folder: model.json + weights.safetensors)')
    try:
        with open(model_file, encoding='utf-8') as f:
            meta = json.load(f)
        if not isinstance(meta, dict) or meta.get('format') != BUNDLE_FORMAT or not isinstance(meta.get('spec'), dict):
            raise ValueError(f"not a {BUNDLE_FORMAT} model.json")
    except (OSError, ValueError) as e:
        raise BundleError(f'{model_file}: {e}') from None
    try:
        with open(weights_file, 'rb') as f:
            raw = f.read()
        weights = parse_safetensors(raw)
    except (OSError, ValueError, KeyError, TypeError, RuntimeError, struct.error) as e:
        raise BundleError(f'{weights_file}: not a readable safetensors file ({e})') from None
    return meta, weights, raw


def load_initial_weights(model: SegmentationNet, folder: str) -> Dict[str, object]:
    """Copies a trained bundle's synaptic weights (convs, score convs, transposed convs, their biases) into
    ``model`` — hybrid training: an SNN that starts from its trained ANN twin instead of random weights.

    Every non-normalisation tensor of ``model`` must be in the bundle with the same shape (same architecture and
    width). Returns the provenance entry of the source."""
    meta, weights, raw = _read_bundle(folder)
    arch = meta['spec'].get('arch')
    if arch != model.spec.arch:
        raise BundleError(f'{folder}: holds a {arch} network, the run trains {model.spec.arch}')
    state = model.state_dict()
    copied = 0
    with torch.no_grad():
        for key, target in state.items():
            if any(part in key for part in _NORM_PARTS) or key.endswith('num_batches_tracked') or key in _DERIVED:
                continue
            source = weights.get(key)
            if source is None:
                raise BundleError(f'{folder}: has no tensor {key}')
            if tuple(source.shape) != tuple(target.shape):
                raise BundleError(f'{folder}: {key} is {list(source.shape)}, the run needs {list(target.shape)} (other width or classes?)')
            target.copy_(source)
            copied += 1
    adopt_float_weights(model)
    metrics_entry = meta.get('metrics') if isinstance(meta.get('metrics'), dict) else {}
    return {
        'bundle': folder,
        'arch': arch,
        'kind': meta['spec'].get('kind'),
        'valMiou': metrics_entry.get('valMiou'),
        'weightsSha256': hashlib.sha256(raw).hexdigest(),
        'tensorsCopied': copied,
        'normalisation': 'not copied (BNTT / BN start fresh)',
    }
