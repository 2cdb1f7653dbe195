// The shipped inputs of the paper run: bundles under --models (a missing one is "not shipped"), the digit sets, every profile.

import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { openDataset } from '../data/source.js';
import type { SegDataset, Split } from '../data/types.js';
import { UserError } from '../errors.js';
import { progressReporter, type ProgressStream } from '../eval/progress.js';
import { listProfiles, loadProfile } from '../hw/profile.js';
import { MODEL_FILE } from '../io/bundle.js';
import { loadModel } from '../io/checkpoint.js';
import type { LoadedModel } from '../io/types.js';
import type { DataName, PaperSources } from './types.js';

/** A bundle folder without model.json (none yet, or a trainer still writing it) is not shipped. */
function loadShipped(dir: string): LoadedModel | undefined {
  return existsSync(join(dir, MODEL_FILE)) ? loadModel(dir) : undefined;
}

/** Sources from the shipped folders; bundles and data sets are opened once, when first asked for. */
export function shippedSources(modelsDir: string, dataSeed: number, stderr: ProgressStream): PaperSources {
  if (!existsSync(modelsDir)) throw new UserError({ option: 'models', problem: `${modelsDir}: no such folder` });
  if (!statSync(modelsDir).isDirectory()) throw new UserError({ option: 'models', problem: `${modelsDir}: not a folder` });
  const models = new Map<string, LoadedModel | undefined>();
  const sets = new Map<string, SegDataset>();
  return {
    modelsDir,
    model(name) {
      if (!models.has(name)) models.set(name, loadShipped(join(modelsDir, name)));
      return models.get(name);
    },
    dataset(name: DataName, split: Split) {
      const key = `${name}/${split}`;
      if (!sets.has(key)) sets.set(key, openDataset({ kind: name }, split, dataSeed));
      return sets.get(key)!;
    },
    profiles: listProfiles().map((p) => loadProfile(p)),
    progress: (label, total) => progressReporter(stderr, label, total),
  };
}
