// `trace export --csv`: spikes (one row per spike) or counters (one row per core per step), streamed to a temp file, then renamed.

import { StreamedFile } from '../io/files.js';
import { COUNTER_COUNT } from '../counters.js';
import { MeshCoords } from '../mapping/mesh.js';
import { checkCounters } from './data.js';
import { decodeCounters, SpikeCoder } from './encode.js';
import { coreEnergyPJ } from '../energy/price.js';
import type { TraceFile } from './reader.js';

export type CsvKind = 'spikes' | 'counters';

/** Lines are gathered into blocks of about this many characters before each write. */
const BLOCK = 1 << 16;

/** Gathers lines into blocks and streams them to a StreamedFile (renamed into place on commit). */
class TextOut {
  private readonly file: StreamedFile;
  private parts: string[] = [];
  private pending = 0;
  rows = 0;

  constructor(readonly path: string) {
    this.file = new StreamedFile(path, 'CSV');
  }

  line(s: string): void {
    this.parts.push(s);
    this.pending += s.length + 1;
    if (this.pending >= BLOCK) this.flush();
  }

  private flush(): void {
    if (this.parts.length === 0) return;
    this.file.write(`${this.parts.join('\n')}\n`);
    this.parts = [];
    this.pending = 0;
  }

  commit(): void {
    this.flush();
    this.file.commit();
  }

  discard(): void {
    this.file.discard();
  }
}

/** Core → its layer's index in header.layers. */
function layerOfCore(file: TraceFile): Int32Array {
  const out = new Int32Array(file.header.cores);
  file.header.layers.forEach((l, li) => out.fill(li, l.firstCore, l.firstCore + l.cores));
  return out;
}

function writeSpikes(file: TraceFile, out: TextOut): void {
  const h = file.header;
  const coder = new SpikeCoder(h);
  const layer = layerOfCore(file);
  out.line('sample,step,layer,core,neuron,channel,row,col');
  for (const r of file.records()) {
    const { start, ids } = coder.decode(r.spikes);
    for (let c = 0; c < h.cores; c++) {
      const l = h.layers[layer[c]!]!;
      const hw = l.shape.h * l.shape.w;
      for (let e = start[c]!; e < start[c + 1]!; e++) {
        const id = ids[e]!;
        const x = id % l.shape.w;
        const y = Math.floor(id / l.shape.w) % l.shape.h;
        out.line(`${r.sample},${r.step},${l.population},${c},${id},${Math.floor(id / hw)},${y},${x}`);
        out.rows++;
      }
    }
  }
}

function writeCounters(file: TraceFile, out: TextOut): void {
  const h = file.header;
  checkCounters(h, file.path);
  const layer = layerOfCore(file);
  const mesh = new MeshCoords(h.mesh);
  const row = new Float64Array(h.cores * COUNTER_COUNT);
  out.line(['sample', 'step', 'core', 'layer', 'chip_x', 'chip_y', 'router_x', 'router_y', ...h.counterNames, 'energy_pj'].join(','));
  for (const r of file.records()) {
    decodeCounters(r.counters, row.length, row);
    for (let c = 0; c < h.cores; c++) {
      const s = h.coreTable.slot[c]!;
      const at = c * COUNTER_COUNT;
      const counts = Array.from(row.subarray(at, at + COUNTER_COUNT)).join(',');
      out.line(`${r.sample},${r.step},${c},${h.layers[layer[c]!]!.population},${mesh.cx[s]},${mesh.cy[s]},${mesh.gx[s]},${mesh.gy[s]},${counts},${coreEnergyPJ(h.prices, row, at)}`);
      out.rows++;
    }
  }
}

/** Write the CSV of every good record; returns the data rows written. */
export function exportCsv(file: TraceFile, kind: CsvKind, path: string): number {
  const out = new TextOut(path);
  try {
    if (kind === 'spikes') writeSpikes(file, out);
    else writeCounters(file, out);
    out.commit();
    return out.rows;
  } catch (e) {
    out.discard();
    throw e;
  }
}
