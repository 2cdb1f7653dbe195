// The source's shape, read from its import statements: no import cycles in src/, the engine's layer order, what the
// engine, the mapper and the shared geometry may import, and no CLI flags in the stages' messages.

import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = resolve(import.meta.dirname, '..', '..', 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const path = join(dir, d.name);
    if (d.isDirectory()) return sourceFiles(path);
    return /\.tsx?$/.test(d.name) && !d.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** Files under src/ (relative, e.g. 'engine/chip.ts') → the src files each imports or re-exports from, types included. */
function importGraph(): Map<string, string[]> {
  const files = sourceFiles(SRC);
  const known = new Set(files);
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    const targets: string[] = [];
    for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)/g)) {
      const spec = m[1] ?? m[2]!;
      const base = resolve(dirname(file), spec).replace(/\.js$/, '');
      const target = [`${base}.ts`, `${base}.tsx`, join(base, 'index.ts')].find((f) => known.has(f));
      if (target) targets.push(relative(SRC, target));
    }
    graph.set(relative(SRC, file), targets);
  }
  return graph;
}

/** Every import cycle, each as the files along it (strongly connected components of more than one file, or a self-import). */
function cycles(graph: Map<string, string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  let next = 0;
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const scc: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      scc.push(w);
    } while (w !== v);
    if (scc.length > 1 || graph.get(v)!.includes(v)) found.push(scc.sort());
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

/** The engine's layers, bottom first: a file may import its own layer or lower ones, never a higher one. */
const ENGINE_LAYERS: Record<string, readonly string[]> = {
  model: ['model', 'types', 'protocol'],
  builders: ['plan', 'geometry', 'flows', 'chip', 'state'],
  kernels: ['native', 'scatter-wasm', 'simd', 'neurons', 'integrate', 'kernel'],
  drivers: ['events', 'timing', 'host', 'energy', 'backend', 'backend-workers', 'worker', 'run', 'index'],
};
const layerOf = new Map<string, number>(Object.values(ENGINE_LAYERS).flatMap((files, rank) => files.map((f) => [`engine/${f}.ts`, rank] as const)));

const graph = importGraph();
const importsOf = (folder: string) => [...graph].filter(([f]) => f.startsWith(`${folder}/`));

describe('source layers', () => {
  it('has no import cycles in src/', () => {
    expect(cycles(graph)).toEqual([]);
  });

  it('finds a cycle when there is one (the check itself)', () => {
    const g = new Map([
      ['a.ts', ['b.ts']],
      ['b.ts', ['c.ts']],
      ['c.ts', ['a.ts']],
      ['d.ts', ['a.ts']],
    ]);
    expect(cycles(g)).toEqual([['a.ts', 'b.ts', 'c.ts']]);
  });

  it('places every engine file in a layer, and no engine file imports a layer above its own', () => {
    const upward: string[] = [];
    for (const [file, targets] of importsOf('engine')) {
      expect(layerOf.has(file), `${file} is in no layer of ENGINE_LAYERS`).toBe(true);
      for (const t of targets) if (t.startsWith('engine/') && layerOf.get(t)! > layerOf.get(file)!) upward.push(`${file} -> ${t}`);
    }
    expect(upward).toEqual([]);
  });

  it('keeps the engine off the run layer, evaluation, data, traces, the quantizer and the mapper internals', () => {
    const allowedMapping = new Set(['mapping/types.ts']);
    const bad = importsOf('engine').flatMap(([file, targets]) =>
      targets
        .filter((t) => /^(eval|data|trace|runs|cli|explore|paper|tui|io)\//.test(t) || t === 'hw/quantize.ts' || (t.startsWith('mapping/') && !allowedMapping.has(t)))
        .map((t) => `${file} -> ${t}`),
    );
    expect(bad).toEqual([]);
  });

  it('keeps the mapper off the engine, and the shared geometry below both', () => {
    const mapperUp = importsOf('mapping').flatMap(([file, targets]) => targets.filter((t) => /^(engine|runs|trace|cli)\//.test(t)).map((t) => `${file} -> ${t}`));
    expect(mapperUp).toEqual([]);
    const geometryUp = importsOf('geometry').flatMap(([file, targets]) => targets.filter((t) => !t.startsWith('geometry/') && t !== 'net/types.ts').map((t) => `${file} -> ${t}`));
    expect(geometryUp).toEqual([]);
  });

  it('words the engine, mapper and geometry messages without CLI flags (the CLI names its flags)', () => {
    const flagged: string[] = [];
    for (const folder of ['engine', 'mapping', 'geometry'])
      for (const [file] of importsOf(folder)) {
        readFileSync(join(SRC, file), 'utf8')
          .split('\n')
          .forEach((line, i) => {
            if (/^\s*(\/\/|\/?\*)/.test(line)) return;
            // A quoted (or templated) text with --word in it; node's own --import is not a spikemesh flag.
            if (/['"`][^'"`]*--(?!import\b)[a-z]/.test(line)) flagged.push(`${file}:${i + 1}: ${line.trim()}`);
          });
      }
    expect(flagged).toEqual([]);
  });
});
