# Dense PyTorch inference of a spikemesh bundle on the CPU, timed one inference at a time on request: the peer
# bench/engine.ts and bench/cores.ts compare the event engine with (bench/lib/torch.ts drives it).
"""usage: torch_dense.py <bundle dir> <input spikes file>

The input spikes file holds the T×C×H×W float32 values (−1, 0, +1) the engine was fed, so both run the
same network on the same spikes (train/spikemesh_train/models.py, weights from the bundle). After one
warm-up inference it prints a JSON line with the torch version and its thread count; then, for each line
read on standard input, it runs one inference and prints a JSON line with its wall time and CPU time (of
the whole process, all threads), so that a bench can time it in turns with the engine; at the end of its
input, a JSON line with the per-pixel argmax (for an agreement check against the engine's float32 result).
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


def say(record: dict) -> None:
    print(json.dumps(record), flush=True)


def main() -> None:
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    bundle, spikes_file = sys.argv[1], sys.argv[2]
    net = load(bundle)
    s = net.spec
    frames = torch.from_numpy(np.fromfile(spikes_file, dtype='<f4').astype(np.float32))
    frames = frames.reshape(s.timesteps, 1, s.input_channels, s.input_height, s.input_width)
    with torch.no_grad():
        scores = net(frames)
        say({'torch': torch.__version__, 'threads': torch.get_num_threads()})
        for _ in sys.stdin:
            c0, t0 = time.process_time(), time.perf_counter()
            scores = net(frames)
            say({'seconds': time.perf_counter() - t0, 'cpuSeconds': time.process_time() - c0})
    say({'prediction': scores[0].argmax(0).flatten().tolist()})


if __name__ == '__main__':
    main()
