# spikemesh bundles from PyTorch: safetensors read/write (no extra package needed) and model.json + weights.
"""Writes the project's checkpoint format (DESIGN.md §3): ``model.json`` + ``weights.safetensors``.

Debian's python3-torch has no ``safetensors`` package, so the format is written here directly:
8-byte little-endian header length, a JSON header, then raw little-endian tensor data.
Every file is written to a temporary name and renamed, so nothing half-written is left behind.
"""

from __future__ import annotations

import json
import os
import struct
from collections import OrderedDict
from typing import Dict, Mapping, Optional

import numpy as np
import torch
from torch import Tensor

from .models import ArchSpec, SegmentationNet, canonical_weights

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
        data = f.read()
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
