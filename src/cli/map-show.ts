// `spikemesh map --show`: a mapping file viewed without a run — the per-layer table `map` printed when it wrote the
// file (from the summary stored in it) and where every layer's cores sit on the mesh of chips and routers.

import { existsSync } from 'node:fs';
import { fileError, UserError } from '../errors.js';
import { MeshCoords } from '../geometry/mesh.js';
import { loadProfile } from '../hw/profile.js';
import type { CoreProfile } from '../hw/types.js';
import { profileHash, readMapping } from '../mapping/file.js';
import type { MappingSummary } from '../mapping/summary.js';
import type { Mapping } from '../mapping/types.js';
import { int } from './format.js';

/** One symbol per layer in the mesh picture (layers past the last share '#'). */
const SYMBOLS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
/** The picture is drawn when the router grid fits a terminal; larger meshes get the per-chip lines alone. */
const MAX_PICTURE = { columns: 160, rows: 80 };
/** Chips listed one per line; the rest are counted. */
const MAX_CHIP_LINES = 32;

export interface ShownMapping {
  summary: MappingSummary;
  profile: CoreProfile;
  /** The mesh picture and per-chip lines. */
  placement: string;
  /** Set when the profile that loads now is not the content the mapping was made with. */
  warning?: string;
}

function loadable(nameOrPath: string): CoreProfile | null {
  try {
    return loadProfile(nameOrPath);
  } catch (e) {
    if (e instanceof UserError) return null;
    throw e;
  }
}

/** The profile the mapping names: `given`, else the file it was loaded from, else the built-in of its name. */
function profileOf(path: string, summary: MappingSummary, given: string | undefined): CoreProfile {
  if (given !== undefined) return loadProfile(given);
  const { file, name } = summary.profile;
  const profile = (existsSync(file) ? loadable(file) : null) ?? loadable(name);
  if (!profile) throw fileError(path, `was mapped for profile ${name} (${file}), which does not load here; name it with --profile`);
  return profile;
}

const symbol = (layer: number) => SYMBOLS[layer] ?? '#';

/** The router grid, one character a router: the layer holding most of its cores ('.' none), chips split by | and -. */
function meshPicture(mapping: Mapping, coords: MeshCoords): string[] {
  const { geometry: geo, slotOfTile } = mapping.placement;
  const layers = mapping.partition.layers.length;
  const perRouter = new Int32Array(coords.width * coords.height * layers);
  const layerOf = mapping.partition.tiles.layer;
  slotOfTile.forEach((slot, tile) => perRouter[(coords.gy[slot]! * coords.width + coords.gx[slot]!) * layers + layerOf[tile]!]!++);
  const rows: string[] = [];
  for (let y = 0; y < coords.height; y++) {
    if (y > 0 && y % geo.routersPerChip.y === 0) rows.push(Array.from({ length: geo.chips.x }, () => '-'.repeat(geo.routersPerChip.x)).join('+'));
    let row = '';
    for (let x = 0; x < coords.width; x++) {
      if (x > 0 && x % geo.routersPerChip.x === 0) row += '|';
      const counts = perRouter.subarray((y * coords.width + x) * layers, (y * coords.width + x + 1) * layers);
      const most = counts.reduce((best, n, l) => (n > counts[best]! ? l : best), 0);
      row += counts[most]! > 0 ? symbol(most) : '.';
    }
    rows.push(row);
  }
  return rows;
}

/** Per chip, in row-major chip order: the cores of each layer on it. */
function chipLines(mapping: Mapping, coords: MeshCoords): string[] {
  const { geometry: geo, slotOfTile } = mapping.placement;
  const names = mapping.partition.layers.map((l) => l.population);
  const chips = geo.chips.x * geo.chips.y;
  const counts = Array.from({ length: chips }, () => new Map<number, number>());
  slotOfTile.forEach((slot, tile) => {
    const c = counts[coords.cy[slot]! * geo.chips.x + coords.cx[slot]!]!;
    const layer = mapping.partition.tiles.layer[tile]!;
    c.set(layer, (c.get(layer) ?? 0) + 1);
  });
  const lines = counts.slice(0, MAX_CHIP_LINES).map((c, i) => {
    const held = [...c].sort(([a], [b]) => a - b).map(([l, n]) => `${names[l]} ${int(n)}`);
    return `chip (${i % geo.chips.x}, ${Math.floor(i / geo.chips.x)}): ${held.length ? held.join(', ') : 'empty'}`;
  });
  if (chips > MAX_CHIP_LINES) lines.push(`… and ${int(chips - MAX_CHIP_LINES)} more chips`);
  return lines;
}

function placementText(mapping: Mapping): string {
  const geo = mapping.placement.geometry;
  const coords = new MeshCoords(geo);
  const legend = mapping.partition.layers.map((l, i) => `${symbol(i)} ${l.population}`).join(', ');
  const fits = coords.width + geo.chips.x - 1 <= MAX_PICTURE.columns && coords.height + geo.chips.y - 1 <= MAX_PICTURE.rows;
  const picture = fits
    ? [
        `placement: one character per router (${geo.coresPerRouter} cores each), the layer holding most of its cores: ${legend}; . empty`,
        ...meshPicture(mapping, coords),
      ]
    : [`placement: the ${coords.width}×${coords.height} router grid is too large to draw here`];
  return [...picture, '', ...chipLines(mapping, coords)].join('\n');
}

/** Read a mapping file for viewing: its stored summary, the profile it names, and its placement drawn. */
export function showMapping(path: string, profileFlag?: string): ShownMapping {
  const { summary, mapping } = readMapping(path);
  const profile = profileOf(path, summary, profileFlag);
  const hash = profileHash(profile);
  return {
    summary,
    profile,
    placement: placementText(mapping),
    ...(hash !== summary.profile.sha256
      ? {
          warning: `${path} was mapped with other ${summary.profile.name} profile content (sha256 ${summary.profile.sha256.slice(0, 12)}…); the core line is ${profile.name} as it loads now`,
        }
      : {}),
  };
}
