// A mapping file validated at the boundary: every field the summary, the chip and the trace header read, and the
// agreement of the tables (tile ranges inside their layer, layers covering the tiles in order, slots on the mesh,
// flows between real tiles, one routing entry per layer), so that what readMapping returns can be used as mapped.
// The tile and mesh checks are shared with the trace reader, whose header carries the same tables.

import { z } from 'zod';
import { parseOrRefuse, refusal } from '../io/boundary.js';
import { RESOURCES, type MeshGeometry, type Mapping, type TileTable } from './types.js';
import type { MappingSummary } from './summary.js';

/** Tile and neuron ids live in Int32Arrays. */
export const MAX_INT32 = 2 ** 31 - 1;
/**
 * Mesh slots read beyond the cores: meshFor's grid is at most 1.5 × the cores plus 3.5 chips of spare slots,
 * and a chip has at most 2^20 cores (hw/profile.ts), so a mesh beyond 2 × cores + 2^22 slots is not one it made.
 * The bound keeps the per-slot tables (MeshCoords: 16 bytes a slot) proportional to what the file holds.
 */
export const SPARE_SLOTS = 2 ** 22;

export const whole = (min: number) => z.number().int('must be a whole number').min(min, `must be ≥ ${min}`).max(MAX_INT32, 'must be ≤ 2^31 − 1');
export const shape3 = z.object({ c: whole(1), h: whole(1), w: whole(1) });
export const xy = z.object({ x: whole(1), y: whole(1) });
export const label = z.string().max(1000, 'must be at most 1000 characters');
export const int32s = z.instanceof(Int32Array, { message: 'must be an Int32Array' });
/** A table's per-tile neuron ranges (geometry's TileRanges), as both mapping files and trace headers store them. */
export const tileRangeFields = { c0: int32s, c1: int32s, y0: int32s, y1: int32s, x0: int32s, x1: int32s };
export const float64s = z.instanceof(Float64Array, { message: 'must be a Float64Array' });
export const geometry = z.object({
  chips: xy,
  routersPerChip: xy,
  coresPerRouter: whole(1),
  slots: z.number().int('must be a whole number').min(1, 'must be ≥ 1'),
});
const finite = z.number();
const hops = { packets: finite, ew: finite, ns: finite, chip: finite };
const resource = z.enum(RESOURCES as [string, ...string[]]).nullable();

const mappingSchema = z.object({
  network: label,
  profile: label,
  rates: z.record(z.string(), z.number().min(0, 'must be ≥ 0')),
  partition: z.object({
    partitioner: label,
    profile: label,
    layers: z
      .array(
        z.object({
          population: label.min(1, 'must not be empty'),
          shape: shape3,
          tile: shape3,
          grid: shape3,
          firstTile: whole(0),
          tileCount: whole(1),
          limitedBy: resource,
          why: z.string().max(1000, 'must be at most 1000 characters').optional(),
          copies: whole(2).optional(),
        }),
      )
      .min(1, 'must list at least one layer'),
    tiles: z.object({
      layer: int32s,
      ...tileRangeFields,
      neurons: float64s,
      inputAxons: float64s,
      synapseBits: float64s,
      outputAxons: float64s,
    }),
    tileCount: whole(1),
    notes: z.array(z.string()),
  }),
  flows: z.object({ src: int32s, dst: int32s, packets: float64s }),
  placement: z.object({ placer: label, seed: finite, geometry, slotOfTile: int32s, cost: finite }),
  routing: z.object({ linkLoad: float64s, perLayer: z.array(z.object({ population: label, ...hops })), totals: z.object({ ...hops, maxLinkLoad: finite }) }),
});

const utilisation = z.object({ mean: finite, max: finite }).nullable();
const summarySchema = z.object({
  format: z.literal('spikemesh-mapping-summary'),
  version: z.int(),
  network: label,
  model: z.object({ source: z.string(), sha256: label, weights: z.boolean() }),
  profile: z.object({ name: label, file: z.string(), sha256: label }),
  axonModel: z.enum(['discrete', 'population']).optional(),
  limits: z.object({ neurons: finite.nullable(), inputAxons: finite.nullable(), synapseBits: finite.nullable(), outputAxons: finite.nullable() }).optional(),
  partitioner: label,
  placer: label,
  seed: finite,
  rates: z.record(z.string(), finite),
  totals: z.object({
    neurons: finite,
    copies: finite.optional(),
    cores: finite,
    chips: finite,
    chipGrid: xy,
    routersPerChip: xy,
    coresPerRouter: finite,
    traffic: z.object(hops),
    maxLinkLoad: finite,
    placementCost: finite,
  }),
  host: z.object({ population: label, traffic: z.object(hops) }),
  layers: z.array(
    z.object({
      population: label,
      shape: shape3,
      tile: shape3,
      grid: shape3,
      cores: finite,
      limitedBy: resource,
      why: z.string().optional(),
      neurons: finite,
      copies: z.object({ mean: finite, max: finite, extra: finite }).optional(),
      utilisation: z.object({ neurons: utilisation, inputAxons: utilisation, synapseBits: utilisation, outputAxons: utilisation }),
      peak: z.object({ neurons: finite, inputAxons: finite, synapseBits: finite, outputAxons: finite }).optional(),
      chips: finite,
      traffic: z.object(hops),
    }),
  ),
  notes: z.array(z.string()),
});

/** The half-open tile ranges of a table: the mapping's TileTable and the trace header's per-core table. */
export type TileRanges = Pick<TileTable, 'c0' | 'c1' | 'y0' | 'y1' | 'x0' | 'x1'>;

/** Neurons tiles [first, first + count) hold, or why one of them does not lie inside `shape` (`table` names the table). */
export function tilesHeld(t: TileRanges, first: number, count: number, shape: z.output<typeof shape3>, population: string, table: string): number | string {
  let held = 0;
  for (let i = first; i < first + count; i++) {
    const spans: Array<[string, number, number, number]> = [
      ['channels', t.c0[i]!, t.c1[i]!, shape.c],
      ['rows', t.y0[i]!, t.y1[i]!, shape.h],
      ['cols', t.x0[i]!, t.x1[i]!, shape.w],
    ];
    for (const [what, from, to, size] of spans)
      if (!(from >= 0 && from < to && to <= size)) return `${table} ${i} holds ${what} [${from}, ${to}) of ${population}, which has ${size}`;
    held += (t.c1[i]! - t.c0[i]!) * (t.y1[i]! - t.y0[i]!) * (t.x1[i]! - t.x0[i]!);
  }
  return held;
}

/** A layer's grid, span and tiles agree: null when they do, else the problem (`at` names the layer). */
export function layerProblem(
  t: TileRanges,
  l: { population: string; shape: z.output<typeof shape3>; grid: z.output<typeof shape3> },
  first: number,
  count: number,
  at: string,
  table: string,
): string | null {
  if (count !== l.grid.c * l.grid.h * l.grid.w) return `${at}: ${count} tiles, but its grid is ${l.grid.c}×${l.grid.h}×${l.grid.w}`;
  const neurons = l.shape.c * l.shape.h * l.shape.w;
  if (neurons > MAX_INT32) return `${at}.shape: ${l.shape.c}×${l.shape.h}×${l.shape.w} is more than 2^31 − 1 neurons`;
  const held = tilesHeld(t, first, count, l.shape, l.population, table);
  if (typeof held === 'string') return held;
  return held === neurons ? null : `${at}: its tiles hold ${held} neurons, the layer has ${neurons}`;
}

/** The mesh's slot count is its grid's and not far beyond the `cores` placed on it, each in one of its slots. */
export function meshProblem(geo: MeshGeometry, slotOf: Int32Array, cores: number, at: string, table: string): string | null {
  const grid = geo.chips.x * geo.chips.y * geo.routersPerChip.x * geo.routersPerChip.y * geo.coresPerRouter;
  if (geo.slots !== grid)
    return `${at}.slots: ${geo.slots}, but the mesh is ${geo.chips.x}×${geo.chips.y} chips of ${geo.routersPerChip.x}×${geo.routersPerChip.y} routers of ${geo.coresPerRouter} cores`;
  if (geo.slots > 2 * cores + SPARE_SLOTS) return `${at}.slots: ${geo.slots} slots for ${cores} cores; at most 2 × cores + ${SPARE_SLOTS} are read`;
  const bad = slotOf.findIndex((s) => !(s >= 0 && s < geo.slots));
  return bad < 0 ? null : `${table} ${bad} sits in slot ${slotOf[bad]}, outside the mesh's ${geo.slots}`;
}

/** Index of the first value that is not a finite number ≥ 0, or -1. */
export function firstNegative(values: Float64Array): number {
  return values.findIndex((v) => !(v >= 0 && v < Infinity));
}

type MappingJson = z.output<typeof mappingSchema>;

function partitionProblem(m: MappingJson): string | null {
  const { layers, tiles, tileCount } = m.partition;
  for (const [name, table] of Object.entries(tiles))
    if (table.length !== tileCount) return `partition.tileCount: ${tileCount}, but tiles.${name} holds ${table.length} entries`;
  let next = 0;
  for (const [i, l] of layers.entries()) {
    const at = `partition.layers.${i}`;
    if (l.firstTile !== next) return `${at}.firstTile: ${l.firstTile}, expected ${next} (layers cover the tiles in order)`;
    if (next + l.tileCount > tileCount) return `${at}: tiles up to ${next + l.tileCount}, but the partition has ${tileCount}`;
    const wrong = tiles.layer.subarray(next, next + l.tileCount).findIndex((v) => v !== i);
    if (wrong >= 0) return `partition.tiles.layer: tile ${next + wrong} says layer ${tiles.layer[next + wrong]}, expected ${i}`;
    const problem = layerProblem(tiles, l, next, l.tileCount, at, 'partition.tiles: tile') ?? placedProblem(tiles, l.copies ?? 1, next, l.tileCount);
    if (problem) return problem;
    next += l.tileCount;
  }
  if (next !== tileCount) return `partition.layers: cover ${next} tiles, the partition has ${tileCount}`;
  const bad = (['neurons', 'inputAxons', 'synapseBits', 'outputAxons'] as const).find((k) => firstNegative(tiles[k]) >= 0);
  return bad ? `partition.tiles.${bad}: tile ${firstNegative(tiles[bad])} is not a number ≥ 0` : null;
}

/**
 * A tile's neurons count its copies (copies.ts): a whole number from the neurons its ranges hold to `copies` times
 * them, so a file cannot make its copy factors, which the energy report prices, larger than its layer records.
 */
function placedProblem(t: TileTable, copies: number, first: number, count: number): string | null {
  for (let i = first; i < first + count; i++) {
    const held = (t.c1[i]! - t.c0[i]!) * (t.y1[i]! - t.y0[i]!) * (t.x1[i]! - t.x0[i]!);
    const v = t.neurons[i]!;
    if (!(Number.isInteger(v) && v >= held && v <= held * copies))
      return `partition.tiles.neurons: tile ${i} places ${v} neurons for the ${held} it holds; expected ${copies === 1 ? held : `${held} to ${held * copies} (its layer's copies: ${copies} at most per neuron)`}`;
  }
  return null;
}

/** Every tile sits in its own slot. */
function placementProblem(m: MappingJson): string | null {
  const p = m.placement;
  const problem = meshProblem(p.geometry, p.slotOfTile, m.partition.tileCount, 'placement.geometry', 'placement.slotOfTile: tile');
  if (problem) return problem;
  const taken = new Uint8Array(p.geometry.slots);
  for (let t = 0; t < p.slotOfTile.length; t++) {
    if (taken[p.slotOfTile[t]!]) return `placement.slotOfTile: tile ${t} shares slot ${p.slotOfTile[t]} with another tile`;
    taken[p.slotOfTile[t]!] = 1;
  }
  return null;
}

function flowsProblem(m: MappingJson): string | null {
  const { src, dst, packets } = m.flows;
  const tiles = m.partition.tileCount;
  if (dst.length !== src.length || packets.length !== src.length)
    return `flows: src, dst and packets hold ${src.length}, ${dst.length} and ${packets.length} entries`;
  const badSrc = src.findIndex((s) => !(s >= -1 && s < tiles));
  if (badSrc >= 0) return `flows.src: flow ${badSrc} comes from tile ${src[badSrc]}, not one of the ${tiles} (or -1, the host)`;
  const badDst = dst.findIndex((d) => !(d >= 0 && d < tiles));
  if (badDst >= 0) return `flows.dst: flow ${badDst} goes to tile ${dst[badDst]}, not one of the ${tiles}`;
  return firstNegative(packets) >= 0 ? `flows.packets: flow ${firstNegative(packets)} is not a number ≥ 0` : null;
}

/** One link load per directed link of the mesh plus the host's, and hop totals for the host and then each layer. */
function routingProblem(m: MappingJson): string | null {
  const g = m.placement.geometry;
  const links = g.chips.x * g.routersPerChip.x * g.chips.y * g.routersPerChip.y * 4 + 1;
  const r = m.routing;
  if (r.linkLoad.length !== links) return `routing.linkLoad: ${r.linkLoad.length} entries, the mesh has ${links} links`;
  const layers = m.partition.layers;
  if (r.perLayer.length !== layers.length + 1) return `routing.perLayer: ${r.perLayer.length} entries, expected the host and ${layers.length} layers`;
  const wrong = layers.findIndex((l, i) => r.perLayer[i + 1]!.population !== l.population);
  return wrong < 0
    ? null
    : `routing.perLayer.${wrong + 1}.population: ${JSON.stringify(r.perLayer[wrong + 1]!.population)}, expected ${JSON.stringify(layers[wrong]!.population)}`;
}

/** The mapping and summary of a decoded mapping file, or an InputError naming `file` and the first field that is wrong. */
export function checkMappingFile(raw: unknown, file: string): { summary: MappingSummary; mapping: Mapping } {
  const { summary, mapping } = parseOrRefuse(z.object({ summary: summarySchema, mapping: mappingSchema }), raw, file);
  const problem = partitionProblem(mapping) ?? placementProblem(mapping) ?? flowsProblem(mapping) ?? routingProblem(mapping);
  if (problem) throw refusal(file, `mapping: ${problem}`);
  return { summary: summary as MappingSummary, mapping: mapping as Mapping };
}
