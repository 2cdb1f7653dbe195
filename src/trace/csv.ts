// `trace export --csv`: spikes (one row per spike) or counters (one row per core per step), streamed to a temp file, then renamed.

import { fileMentions, OutputFile } from '../io/output.js';
import { COUNTER_COUNT } from '../counters.js';
import { MeshCoords } from '../mapping/mesh.js';
import { checkCounters } from './data.js';
import { decodeCounters, SpikeCoder } from './encode.js';
import { traceCoreEnergy } from './price.js';
import type { TraceFile } from './reader.js';

export type CsvKind = 'spikes' | 'counters';

/** Lines are gathered into blocks of about this many characters before each write. */
const BLOCK = 1 << 16;

const SPIKES_HEADER = 'sample,step,layer,core,neuron,channel,row,col';
const COUNTERS_HEADER_START = 'sample,step,core,layer,chip_x,chip_y,router_x,router_y';

/** An earlier CSV export (it starts with one of our two header lines) may be replaced. */
function isOurCsv(path: string): boolean {
  return fileMentions(path, SPIKES_HEADER, 64) || fileMentions(path, COUNTERS_HEADER_START, 64);
}

/** Lets the event loop run between records, so that Ctrl-C during a long export is handled (and the temp file removed). */
const breathe = (): Promise<void> => new Promise((done) => setImmediate(done));

/** Gathers lines into blocks and streams them to an OutputFile (renamed into place on commit). */
class TextOut {
  private readonly file: OutputFile;
  private parts: string[] = [];
  private pending = 0;
  rows = 0;

  constructor(
    readonly path: string,
    force: boolean,
  ) {
    this.file = new OutputFile(path, { what: 'CSV', force, ours: isOurCsv });
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

async function writeSpikes(file: TraceFile, out: TextOut): Promise<void> {
  const h = file.header;
  const coder = new SpikeCoder(h);
  const layer = layerOfCore(file);
  out.line(SPIKES_HEADER);
  for (const r of file.records()) {
    await breathe();
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

async function writeCounters(file: TraceFile, out: TextOut): Promise<void> {
  const h = file.header;
  checkCounters(h, file.path);
  const layer = layerOfCore(file);
  const mesh = new MeshCoords(h.mesh);
  const row = new Float64Array(h.cores * COUNTER_COUNT);
  out.line([COUNTERS_HEADER_START, ...h.counterNames, 'energy_pj'].join(','));
  for (const r of file.records()) {
    await breathe();
    decodeCounters(r.counters, row.length, row);
    for (let c = 0; c < h.cores; c++) {
      const s = h.coreTable.slot[c]!;
      const at = c * COUNTER_COUNT;
      const counts = Array.from(row.subarray(at, at + COUNTER_COUNT)).join(',');
      out.line(
        `${r.sample},${r.step},${c},${h.layers[layer[c]!]!.population},${mesh.cx[s]},${mesh.cy[s]},${mesh.gx[s]},${mesh.gy[s]},${counts},${traceCoreEnergy(h, row, c)}`,
      );
      out.rows++;
    }
  }
}

/** Write the CSV of every good record; returns the data rows written. */
export async function exportCsv(file: TraceFile, kind: CsvKind, path: string, force = false): Promise<number> {
  const out = new TextOut(path, force);
  try {
    if (kind === 'spikes') await writeSpikes(file, out);
    else await writeCounters(file, out);
    out.commit();
    return out.rows;
  } catch (e) {
    out.discard();
    throw e;
  }
}
