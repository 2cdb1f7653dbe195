# Dense PyTorch inference of a spikemesh bundle on the CPU, timed: the baseline bench/engine.ts compares the event engine with.
"""usage: torch_dense.py <bundle dir> <input spikes file> <repetitions>

The input spikes file holds the T×C×H×W float32 values (−1, 0, +1) the engine was fed, so both run the
same network on the same spikes (train/spikemesh_train/models.py, weights from the bundle). Prints one
JSON line: the best wall time and the best CPU time (of the whole process, all threads) of one inference
over the repetitions (after one warm-up), the thread
count, and the per-pixel argmax (for an agreement check against the engine's float32 result).
"""

import json
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'train'))
from spikemesh_train import read_safetensors  # noqa: E402
from spikemesh_train.models import ArchSpec, SegmentationNet  # noqa: E402


def load(bundle: str) -> SegmentationNet:
    with open(os.path.join(bundle, 'model.json'), encoding='utf-8') as f:
        spec = ArchSpec.from_json(json.load(f)['spec'])
    net = SegmentationNet(spec)
    missing, unexpected = net.load_state_dict(read_safetensors(os.path.join(bundle, 'weights.safetensors')), strict=False)
    missing = [k for k in missing if not k.endswith('num_batches_tracked')]
    if missing or unexpected:
        raise SystemExit(f'{bundle}: weights do not match the network (missing {missing[:3]}, unexpected {unexpected[:3]})')
    return net.eval()


def main() -> None:
    if len(sys.argv) != 4:
        raise SystemExit(__doc__)
    bundle, spikes_file, reps = sys.argv[1], sys.argv[2], int(sys.argv[3])
    net = load(bundle)
    s = net.spec
    frames = torch.from_numpy(np.fromfile(spikes_file, dtype='<f4').astype(np.float32))
    frames = frames.reshape(s.timesteps, 1, s.input_channels, s.input_height, s.input_width)
    best_wall = best_cpu = float('inf')
    with torch.no_grad():
        scores = net(frames)
        for _ in range(reps):
            c0, t0 = time.process_time(), time.perf_counter()
            scores = net(frames)
            best_wall = min(best_wall, time.perf_counter() - t0)
            best_cpu = min(best_cpu, time.process_time() - c0)
    prediction = scores[0].argmax(0).flatten().tolist()
    print(json.dumps({'seconds': best_wall, 'cpuSeconds': best_cpu, 'repetitions': reps, 'threads': torch.get_num_threads(), 'torch': torch.__version__, 'prediction': prediction}))


if __name__ == '__main__':
    main()
