// The standalone spikemesh commands that reproduce each number of the report (same samples, seeds and settings).

import { join } from 'node:path';
import type { DataName, PaperSettings } from './types.js';

/** Seed flags, written only where they differ from the commands' defaults (0). */
function seedFlags(s: PaperSettings): string {
  return `${s.seed !== 0 ? ` --seed ${s.seed}` : ''}${s.dataSeed !== 0 ? ` --data-seed ${s.dataSeed}` : ''}`;
}

export function modelPath(modelsDir: string, name: string): string {
  return join(modelsDir, name);
}

/** Tables II/III and Fig. 10: the evaluator; `sigmas` adds the noise levels. */
export function evalCommand(model: string, data: DataName, count: number, s: PaperSettings, sigmas?: readonly number[]): string {
  const noise = sigmas && sigmas.length > 1 ? ` --noise ${sigmas.join(',')}` : '';
  return `spikemesh eval ${model} --data ${data} --split val --count ${count}${noise}${seedFlags(s)}`;
}

/** Table V and Fig. 11: the engine run on one profile. */
export function runCommand(model: string, profile: string, data: DataName, s: PaperSettings): string {
  return `spikemesh run ${model} --profile ${profile} --data ${data} --samples ${s.energySamples}${seedFlags(s)}`;
}

/** Fig. 3: convert once to the largest T, then evaluate the bundle at each T. */
export function conversionCommands(ann: string, method: 'layer' | 'channel', data: DataName, s: PaperSettings): string[] {
  const out = `converted-${method}`;
  const maxT = s.timesteps[s.timesteps.length - 1]!;
  const dataSeed = s.dataSeed !== 0 ? ` --data-seed ${s.dataSeed}` : '';
  return [
    `spikemesh convert-ann ${ann} --method ${method} --percentile ${s.percentile} --timesteps ${maxT} --encoding ${s.conversionEncoding} --calibration ${s.calibrationSamples} --data ${data}${dataSeed} --out ${out}`,
    `for T in ${s.timesteps.join(' ')}; do ${evalCommand(out, data, s.conversionSamples, s)} --timesteps $T; done`,
  ];
}
