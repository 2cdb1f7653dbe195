# spikemesh_train: PyTorch reference models, checkpoint layouts and bundle writing for the spikemesh trainer.
"""Reference PyTorch implementations of the spikemesh model zoo (DESIGN.md §2).

``models`` holds the networks and the key-layout adapters, ``bundle`` writes the project's
``model.json`` + ``weights.safetensors`` checkpoints.
"""

from .bundle import read_safetensors, write_bundle, write_safetensors
from .models import (
    ARCHS,
    ArchSpec,
    DeepLabANN,
    FCNANN,
    RunResult,
    SegmentationNet,
    SpikingDeepLab,
    SpikingFCN,
    build_model,
    canonical_weights,
    from_authors_state_dict,
    init_weights,
    poisson_encode,
    to_authors_state_dict,
)

__all__ = [
    'ARCHS',
    'ArchSpec',
    'DeepLabANN',
    'FCNANN',
    'RunResult',
    'SegmentationNet',
    'SpikingDeepLab',
    'SpikingFCN',
    'build_model',
    'canonical_weights',
    'from_authors_state_dict',
    'init_weights',
    'poisson_encode',
    'read_safetensors',
    'to_authors_state_dict',
    'write_bundle',
    'write_safetensors',
]
