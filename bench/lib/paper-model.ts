// The paper-size benchmark model (dl-vgg9, 64×64, width 1, T=20, rates calibrated to 0.1), built once and cached.

import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSyntheticModel, progressReporter, type Progress, type SyntheticOptions } from '../../src/eval/index.js';
import { saveBundle } from '../../src/io/bundle.js';
import { loadModel } from '../../src/io/checkpoint.js';
import type { ArchSpec, Model } from '../../src/net/types.js';
import { defaultSpec } from '../../src/net/zoo.js';

const CACHE = join(dirname(fileURLToPath(import.meta.url)), '..', '.cache');

export const PAPER_SPEC: ArchSpec = defaultSpec({ arch: 'dl-vgg9', inputHeight: 64, inputWidth: 64, width: 1, classes: 21, timesteps: 20 });
export const PAPER_SYNTH: Omit<SyntheticOptions, 'onProgress'> = { targetRate: 0.1, seed: 0, calibrationSamples: 8, checkSamples: 4 };
/** The first sample not used for calibration or its check. */
export const PAPER_SAMPLE = PAPER_SYNTH.calibrationSamples + PAPER_SYNTH.checkSamples;

/** The paper-size model (about 2 minutes to build at width 1), or another spec's, cached under bench/.cache by its parameters. */
export function cachedPaperModel(s: ArchSpec = PAPER_SPEC): { model: Model; dir: string; built: boolean } {
  const y = PAPER_SYNTH;
  const key = `${s.arch}-${s.inputHeight}x${s.inputWidth}-w${s.width}-c${s.classes}-T${s.timesteps}-rate${y.targetRate}-seed${y.seed}-cal${y.calibrationSamples}-chk${y.checkSamples}`;
  const dir = join(CACHE, key);
  const built = !existsSync(join(dir, 'model.json'));
  if (built) {
    let progress: Progress | undefined;
    const m = buildSyntheticModel(s, {
      ...y,
      onProgress: (what, done, total) => {
        progress ??= progressReporter(process.stderr, 'building the paper-size model', total);
        progress.update(done, what);
      },
    });
    progress?.finish();
    saveBundle(dir, m.bundle);
  }
  return { model: loadModel(dir).model, dir, built };
}
