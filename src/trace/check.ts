// A trace validated at the boundary: the header's fields, then the agreement of its tables (layer spans, core ids,
// tile ranges, mesh slots) before any consumer allocates or indexes by them, and each step record's content against
// the header, so that stats, export, diff and the UI never meet a count or a byte they cannot use.
//
// The header is not covered by a checksum (only step records are), so a flipped bit there must be caught here.

import { z } from 'zod';
import { parseOrRefuse, refusal } from '../io/boundary.js';
import { firstNegative, float64s, geometry, int32s, label, layerProblem, meshProblem, shape3, tileRangeFields, whole } from '../mapping/check.js';
import { decodeCounters, SpikeCoder, TraceDamage } from './encode.js';
import { LINK_KINDS } from '../engine/types.js';
import type { StepRecord, TraceHeader } from './types.js';

/** A limit or price: a number ≥ 0; Infinity stands for a limit the profile does not set. */
const amount = z.custom<number>((v) => typeof v === 'number' && v >= 0, 'must be a number ≥ 0');
const price = z.number().min(0, 'must be ≥ 0');

const headerSchema = z.object({
  modelHash: label,
  mappingHash: label,
  network: label,
  profile: label,
  seed: z.number(),
  timesteps: whole(1),
  steps: whole(1),
  semantics: z.enum(['same-step', 'pipelined']),
  arithmetic: z.enum(['float', 'fixed']),
  samples: whole(0),
  cores: whole(1),
  layers: z
    .array(
      z.object({
        population: label.min(1, 'must not be empty'),
        kind: label,
        shape: shape3,
        tile: shape3,
        grid: shape3,
        firstCore: whole(0),
        cores: whole(1),
        spiking: z.boolean(),
      }),
    )
    .min(1, 'must list at least one layer'),
  mesh: geometry,
  coreTable: z.object({
    slot: int32s,
    ...tileRangeFields,
    inputAxons: float64s,
    outputAxons: float64s,
    synapseBits: float64s,
  }),
  limits: z.object({ neurons: amount, inputAxons: amount, outputAxons: amount, synapseBits: amount }),
  prices: z.object({
    synOp: price,
    mac: price.nullable(),
    neuronUpdateInactive: price,
    neuronUpdateActive: price,
    spikeOut: price,
    hopEW: price,
    hopNS: price,
    chipHop: price,
    // Traces written before these prices existed charged nothing for them.
    messageIn: price.default(0),
    spikeNeuron: price.default(0),
    staticPerCorePerStep: price,
  }),
  counterNames: z.array(z.string().max(64, 'must be at most 64 characters')).max(256, 'must list at most 256 counters'),
  links: z
    .object({
      contention: z.enum(['none', 'links']),
      kind: z.custom<Uint8Array>((v) => v instanceof Uint8Array, 'must be bytes'),
      at: int32s,
      width: whole(1),
      packetNs: float64s,
    })
    .optional(),
  copies: z
    .object({
      factors: float64s,
      // Printed as a line of the stats: no control characters (a terminal would act on them).
      note: label.regex(/^[^\p{Cc}]*$/u, 'must not hold control characters'),
    })
    .optional(),
});

/** Every link has a known kind, a place and a packet time. */
function linksProblem(h: TraceHeader): string | null {
  const l = h.links;
  if (!l) return null;
  if (l.at.length !== l.kind.length || l.packetNs.length !== l.kind.length)
    return `links: ${l.kind.length} kinds, ${l.at.length} places and ${l.packetNs.length} packet times`;
  const bad = l.kind.findIndex((k) => k >= LINK_KINDS.length);
  if (bad >= 0) return `links.kind: link ${bad} has kind ${l.kind[bad]}, not one of ${LINK_KINDS.length}`;
  const outside = l.at.findIndex((v) => v < 0);
  if (outside >= 0) return `links.at: link ${outside} is not a place ≥ 0`;
  return firstNegative(l.packetNs) >= 0 ? `links.packetNs: link ${firstNegative(l.packetNs)} is not a number ≥ 0` : null;
}

/** One copy factor per core, each a finite number ≥ 1 (a core places at least the neurons it holds). */
function copiesProblem(h: TraceHeader): string | null {
  const f = h.copies?.factors;
  if (!f) return null;
  if (f.length !== h.cores) return `cores: ${h.cores} declared, but copies.factors holds ${f.length} entries`;
  const bad = f.findIndex((x) => !(Number.isFinite(x) && x >= 1));
  return bad >= 0 ? `copies.factors: core ${bad} has ${f[bad]}, not a finite number ≥ 1` : null;
}

/** Every table has one entry per core: checked first, so that `cores` is never trusted beyond the bytes present. */
function tablesProblem(h: TraceHeader): string | null {
  for (const [name, table] of Object.entries(h.coreTable) as Array<[string, ArrayLike<number>]>)
    if (table.length !== h.cores) return `cores: ${h.cores} declared, but coreTable.${name} holds ${table.length} entries`;
  const bad = (['inputAxons', 'outputAxons', 'synapseBits'] as const).find((k) => firstNegative(h.coreTable[k]) >= 0);
  return bad ? `coreTable.${bad}: core ${firstNegative(h.coreTable[bad])} is not a number ≥ 0` : null;
}

/** Layers cover the cores in order, each cut into its grid of tiles lying inside its shape and holding all of it. */
function layersProblem(h: TraceHeader): string | null {
  let next = 0;
  for (const [i, l] of h.layers.entries()) {
    if (l.firstCore !== next) return `layers.${i}.firstCore: ${l.firstCore}, expected ${next} (layers cover the cores in order)`;
    if (next + l.cores > h.cores) return `layers.${i}: cores up to ${next + l.cores}, but the header has ${h.cores}`;
    const problem = layerProblem(h.coreTable, l, next, l.cores, `layers.${i}`, 'coreTable: core');
    if (problem) return problem;
    next += l.cores;
  }
  return next === h.cores ? null : `layers: cover ${next} cores, the header has ${h.cores}`;
}

/** The header as a TraceHeader, or an InputError naming `file` and the first field that is wrong. */
export function checkHeader(raw: TraceHeader, file: string): TraceHeader {
  const h = { ...raw, ...parseOrRefuse(headerSchema, raw, file, 'trace header') };
  const problem =
    tablesProblem(h) ??
    copiesProblem(h) ??
    layersProblem(h) ??
    linksProblem(h) ??
    meshProblem(h.mesh, h.coreTable.slot, h.cores, 'mesh', 'coreTable.slot: core');
  if (problem) throw refusal(file, `trace header: ${problem}`);
  return h;
}

/** Checks the content of step records against their (checked) header: the counters and spikes decode, within the tiles. */
export class RecordCheck {
  private readonly coder: SpikeCoder;
  private readonly counters: Float64Array;
  private readonly links: Float64Array;

  constructor(header: TraceHeader) {
    this.coder = new SpikeCoder(header);
    this.counters = new Float64Array(header.cores * header.counterNames.length);
    this.links = new Float64Array(header.links?.kind.length ?? 0);
  }

  /** Why the record's arrays are not what its header describes, or null when they are. */
  problem(r: StepRecord): string | null {
    try {
      decodeCounters(r.counters, this.counters.length, this.counters);
      if (r.links) decodeCounters(r.links, this.links.length, this.links);
      this.coder.decode(r.spikes);
      return null;
    } catch (e) {
      if (e instanceof TraceDamage) return `a step record that does not fit the header (${e.message})`;
      throw e;
    }
  }
}
