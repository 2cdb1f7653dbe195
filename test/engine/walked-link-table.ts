// The link table as the engine first built it, walking every hop of every flow (number[] lists, a Map per link): the
// reference the compact table (src/engine/link-table.ts) and the per-flow load counting are tested against.

import { HOST_TILE, MeshCoords, walkRoute } from '../../src/geometry/mesh.js';
import type { Chip } from '../../src/engine/model.js';
import { LINK_KIND, type LinkKind, type LinkTable } from '../../src/engine/types.js';

/** The link table of a chip: its flows' X-then-Y routes, with a port into the mesh at the source core and out of it at the destination. */
export function walkedLinkTable(chip: Chip): LinkTable {
  const { flows, profile } = chip;
  const { placement } = chip.spec.mapping;
  const m = new MeshCoords(placement.geometry, profile.noc.hostEntry);
  const { noc, timeNs: tn } = profile;
  const onChip = 1 / noc.linkPacketsPerNs;
  const ids = new Map<number, number>();
  const kind: number[] = [];
  const at: number[] = [];
  const packetNs: number[] = [];
  const hop: number[] = [];
  const headNs: number[] = [];
  const start = new Int32Array(flows.count + 1);
  // Ports are keyed after every mesh link: link numbers and slots share one key space.
  const use = (key: number, k: LinkKind, where: number, tau: number, head: number) => {
    let id = ids.get(key);
    if (id === undefined) {
      id = kind.length;
      ids.set(key, id);
      kind.push(LINK_KIND[k]);
      at.push(where);
      packetNs.push(tau);
    }
    hop.push(id);
    headNs.push(head);
  };
  const slot = placement.slotOfTile;
  for (let f = 0; f < flows.count; f++) {
    const fromHost = flows.src[f] === HOST_TILE;
    const from = fromHost ? HOST_TILE : slot[flows.src[f]!]!;
    const to = slot[flows.dst[f]!]!;
    if (!fromHost) use(m.linkCount + 2 * from, 'inject', from, onChip, 0);
    walkRoute(m, from, to, (link, hopKind) => {
      if (link === m.hostLink) use(link, 'host', link, 1 / noc.hostPacketsPerNs, tn.chipHop);
      else if (hopKind === 'chip') use(link, 'chip', link, 1 / noc.chipLinkPacketsPerNs, tn.chipHop);
      else use(link, hopKind, link, onChip, hopKind === 'ew' ? tn.hopEW : tn.hopNS);
    });
    use(m.linkCount + 2 * to + 1, 'eject', to, onChip, tn.routerDelay);
    start[f + 1] = hop.length;
  }
  return {
    count: kind.length,
    kind: Uint8Array.from(kind),
    at: Int32Array.from(at),
    packetNs: Float64Array.from(packetNs),
    start,
    hop: Int32Array.from(hop),
    headNs: Float64Array.from(headNs),
    width: m.width,
  };
}
