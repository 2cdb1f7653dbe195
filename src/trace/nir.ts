// `trace export --nir`: the spikes of a trace as NIR graph data (NIRGraphData of EventData, the layout of nir.write_data / read_data).
//
// HDF5 layout (attributes in brackets), one node per spiking population, keyed by the population name —
// the name `spikemesh export-nir` gives that population's LIF/IF node:
//
//   / [__type__ = NIRGraphData]
//   /nodes/<population> [__type__ = NIRNodeData]
//   /nodes/<population>/observables/spikes [__type__ = EventData, n_neurons, t_max]
//       idx  int64   [samples, events]  C-order neuron index (channel·H·W + row·W + col); −1 pads
//       time float64 [samples, events]  seconds, (step + 1)·dt: a spike at step t is the threshold crossing
//                                       after that step's update (NIR's dynamic_before_transition); +inf pads
//
// dt is export-nir's (1e-4 s), so the times line up with the exported graph's neuron dynamics.
// Refused: pipelined traces (their one step of delay per layer is hardware timing that the exported graph,
// which has no delays, does not have). Not written: the input's signed Poisson events (the trace does not
// hold them) and the accumulator readout (graded values, not events).

import { UserError } from '../errors.js';
import { writeOutputFile } from '../io/output.js';
import { DEFAULT_NIR_DT } from '../io/nir/import.js';
import { SpikeCoder } from './encode.js';
import type { TraceFile } from './reader.js';

export interface NirExport {
  nodes: string[];
  events: number;
  samples: number;
  dt: number;
}

/** Events of one population, per sample: neuron ids and step numbers in time order. */
interface Events {
  idx: number[][];
  step: number[][];
}

function collect(file: TraceFile): { events: Map<number, Events>; samples: number } {
  const h = file.header;
  const coder = new SpikeCoder(h);
  const events = new Map<number, Events>();
  h.layers.forEach((l, li) => l.spiking && events.set(li, { idx: [], step: [] }));
  let samples = 0;
  for (const r of file.records()) {
    samples = r.sample + 1;
    const s = coder.decode(r.spikes);
    for (const [li, ev] of events) {
      const l = h.layers[li]!;
      while (ev.idx.length < samples) {
        ev.idx.push([]);
        ev.step.push([]);
      }
      const ids = s.ids.slice(s.start[l.firstCore]!, s.start[l.firstCore + l.cores]!).sort();
      for (const id of ids) {
        ev.idx[r.sample]!.push(id);
        ev.step[r.sample]!.push(r.step);
      }
    }
  }
  return { events, samples };
}

/** Pad per-sample lists to one [samples, width] array. */
function padded<T extends BigInt64Array | Float64Array>(
  rows: number[][],
  width: number,
  make: (n: number) => T,
  fill: (v: number) => T[number],
  pad: T[number],
): T {
  const out = make(rows.length * width);
  rows.forEach((row, s) => {
    for (let i = 0; i < width; i++) out[s * width + i] = i < row.length ? fill(row[i]!) : pad;
  });
  return out;
}

export async function exportNir(file: TraceFile, out: string, force = false): Promise<NirExport> {
  const h = file.header;
  if (h.semantics === 'pipelined')
    throw new UserError(
      `${file.path}: a pipelined trace cannot be written as NIR graph data faithfully: its spike times carry one step of hardware delay per layer, which the NIR graph of the network (no delay nodes) does not have; trace a same-step run`,
    );
  const dt = DEFAULT_NIR_DT;
  const { events, samples } = collect(file);
  if (events.size === 0) throw new UserError(`${file.path}: the trace has no spiking layer, so no events for NIR graph data`);
  const { default: h5 } = await import('h5wasm');
  const module = await h5.ready;
  const scratch = `/spikemesh-trace-${process.pid}.h5`;
  let total = 0;
  try {
    const f = new h5.File(scratch, 'w');
    try {
      f.create_attribute('__type__', 'NIRGraphData');
      const nodes = f.create_group('nodes');
      for (const [li, ev] of events) {
        const l = h.layers[li]!;
        const node = nodes.create_group(l.population);
        node.create_attribute('__type__', 'NIRNodeData');
        const obs = node.create_group('observables').create_group('spikes');
        obs.create_attribute('__type__', 'EventData');
        obs.create_attribute('n_neurons', BigInt64Array.of(BigInt(l.shape.c * l.shape.h * l.shape.w)), [], '<q');
        obs.create_attribute('t_max', Float64Array.of(h.steps * dt), [], '<d');
        const width = Math.max(0, ...ev.idx.map((r) => r.length));
        total += ev.idx.reduce((a, r) => a + r.length, 0);
        const shape = [samples, width];
        const chunked = width > 0 ? { chunks: [1, width], compression: 'gzip' as const, compression_opts: 4 } : {};
        obs.create_dataset({
          name: 'idx',
          data: padded(
            ev.idx,
            width,
            (n) => new BigInt64Array(n),
            (v) => BigInt(v),
            -1n,
          ),
          shape,
          dtype: '<q',
          ...chunked,
        });
        obs.create_dataset({
          name: 'time',
          data: padded(
            ev.step,
            width,
            (n) => new Float64Array(n),
            (t) => (t + 1) * dt,
            Infinity,
          ),
          shape,
          dtype: '<d',
          ...chunked,
        });
      }
    } finally {
      f.close();
    }
    writeOutputFile(out, module.FS.readFile(scratch), { what: 'NIR graph data', force });
  } finally {
    if (module.FS.analyzePath(scratch).exists) module.FS.unlink(scratch);
  }
  return { nodes: [...events.keys()].map((li) => h.layers[li]!.population), events: total, samples, dt };
}
