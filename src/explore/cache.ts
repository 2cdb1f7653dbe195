// The on-disk cache of finished points: one JSON file per content hash, written atomically.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeOutputFile } from '../io/output.js';
import type { PointResult } from './types.js';

export class PointCache {
  constructor(readonly dir: string) {}

  private file(key: string): string {
    return join(this.dir, `${key}.json`);
  }

  /** The cached result, or undefined (a missing, unreadable or mismatched entry is a miss: it is recomputed). */
  get(key: string): PointResult | undefined {
    const f = this.file(key);
    if (!existsSync(f)) return undefined;
    try {
      const r = JSON.parse(readFileSync(f, 'utf8')) as PointResult;
      return r.key === key ? r : undefined;
    } catch {
      return undefined;
    }
  }

  put(r: PointResult): void {
    // An entry is named by its content hash, so whatever holds that name is this entry: replacing it loses nothing.
    writeOutputFile(this.file(r.key), `${JSON.stringify(r)}\n`, { what: 'cache entry', force: true });
  }
}
