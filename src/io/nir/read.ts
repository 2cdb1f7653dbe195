// NIR's HDF5 layout ↔ NirDocument: root `version`, the graph under `node/` (`type`, `nodes/<name>/…`, `edges`), nested graphs.

import { fileError } from '../../errors.js';
import { readHdf5, writeHdf5, type H5Entry, type H5Group } from './hdf5.js';
import type { NirDocument, NirGraph, NirMetadata, NirNode, NirValue } from './types.js';

/** NIR major version this reader understands (the HDF5 layout of nir 1.x). */
export const NIR_MAJOR = 1;
/** Version string written into exported files. */
export const NIR_WRITE_VERSION = '1.0.6';

/**
 * Parameter datasets each NIR node type must have (NIR 1.x, `nir/ir/*.py`); optional ones get
 * their NIR defaults in the importer (Conv2d bias 0, v_reset 0, w_in 1).
 */
export const NIR_PARAMETERS: Readonly<Record<string, readonly string[]>> = {
  Input: [],
  Output: [],
  Affine: ['weight', 'bias'],
  Linear: ['weight'],
  Scale: ['scale'],
  Conv1d: ['weight', 'stride', 'padding', 'dilation', 'groups'],
  Conv2d: ['weight', 'stride', 'padding', 'dilation', 'groups'],
  AvgPool2d: ['kernel_size', 'stride', 'padding'],
  SumPool2d: ['kernel_size', 'stride', 'padding'],
  Flatten: ['start_dim', 'end_dim'],
  Delay: ['delay'],
  Threshold: ['threshold'],
  I: ['r'],
  IF: ['r', 'v_threshold'],
  LI: ['tau', 'r', 'v_leak'],
  LIF: ['tau', 'r', 'v_leak', 'v_threshold'],
  CubaLI: ['tau_syn', 'tau_mem', 'r', 'v_leak'],
  CubaLIF: ['tau_syn', 'tau_mem', 'r', 'v_leak', 'v_threshold'],
};

/** Parameters that NIR writes as strings (Conv padding may be 'same' or 'valid'); every other one is numeric. */
const STRING_PARAMETERS = new Set(['padding']);

function child(group: H5Group, key: string): H5Entry | undefined {
  return group.children.get(key);
}

function stringOf(entry: H5Entry | undefined): string | undefined {
  return entry?.kind === 'dataset' && entry.value.kind === 'strings' && entry.value.data.length === 1 ? entry.value.data[0] : undefined;
}

/** Read a NIR file's bytes; `name` (its path) starts every error, which names the node or edge at fault. */
export async function parseNir(bytes: Uint8Array, name: string): Promise<NirDocument> {
  const root = await readHdf5(bytes, name);
  const versionEntry = child(root, 'version');
  if (!versionEntry) throw fileError(name, "HDF5 but not a NIR graph: no 'version' dataset at the root");
  const version = stringOf(versionEntry);
  if (version === undefined) throw fileError(name, "the root 'version' dataset is not a string");
  const major = Number(/^(\d+)\./.exec(version)?.[1]);
  if (major !== NIR_MAJOR) throw fileError(name, `NIR version '${version}' is not supported (spikemesh reads NIR ${NIR_MAJOR}.x files)`);
  const node = child(root, 'node');
  if (node?.kind !== 'group') throw fileError(name, "HDF5 but not a NIR graph: no 'node' group at the root");
  const type = stringOf(child(node, 'type'));
  if (type !== 'NIRGraph') throw fileError(name, `the root node is ${type === undefined ? 'untyped' : `a '${type}'`}, not a NIRGraph`);
  return { version, graph: readGraph(node, name, '') };
}

function readGraph(group: H5Group, name: string, prefix: string): NirGraph {
  const nodesGroup = child(group, 'nodes');
  const where = prefix ? `graph '${prefix.slice(0, -1)}'` : 'the graph';
  if (nodesGroup?.kind !== 'group') throw fileError(name, `${where} has no 'nodes' group`);
  const nodes = new Map<string, NirNode | NirGraph>();
  for (const [key, entry] of nodesGroup.children) {
    if (entry.kind !== 'group') throw fileError(name, `node '${prefix}${key}' is a dataset, not a group`);
    nodes.set(key, readNode(entry, name, `${prefix}${key}`));
  }
  return { type: 'NIRGraph', nodes, edges: readEdges(child(group, 'edges'), name, where), metadata: readMetadata(group) };
}

function readEdges(entry: H5Entry | undefined, name: string, where: string): Array<[string, string]> {
  if (!entry) throw fileError(name, `${where} has no 'edges' dataset`);
  if (entry.kind !== 'dataset' || entry.value.kind !== 'strings') throw fileError(name, `${where}: 'edges' is not an array of node names`);
  const { shape, data } = entry.value;
  const empty = data.length === 0;
  if (!empty && (shape.length !== 2 || shape[1] !== 2))
    throw fileError(name, `${where}: 'edges' has shape [${shape.join(',')}], expected [n, 2] (source, target)`);
  const edges: Array<[string, string]> = [];
  for (let i = 0; i + 1 < data.length; i += 2) edges.push([data[i]!, data[i + 1]!]);
  return edges;
}

function readMetadata(group: H5Group): NirMetadata {
  const meta = child(group, 'metadata');
  const out: NirMetadata = new Map();
  if (meta?.kind === 'group') for (const [k, v] of meta.children) if (v.kind === 'dataset') out.set(k, v.value);
  return out;
}

function readNode(group: H5Group, name: string, path: string): NirNode | NirGraph {
  const type = stringOf(child(group, 'type'));
  if (type === undefined) throw fileError(name, `node '${path}' has no 'type' string`);
  if (type === 'NIRGraph') return readGraph(group, name, `${path}.`);
  const required = NIR_PARAMETERS[type];
  if (!required) throw fileError(name, `node '${path}': unknown NIR node type '${type}' (NIR 1.x types: ${Object.keys(NIR_PARAMETERS).join(', ')}, NIRGraph)`);
  const params = new Map<string, NirValue>();
  collectParams(group, '', params);
  for (const p of required) if (!params.has(p)) throw fileError(name, `node '${path}' (${type}): missing parameter '${p}'`);
  for (const [p, v] of params)
    if (v.kind === 'strings' && !STRING_PARAMETERS.has(p) && !p.includes('.'))
      throw fileError(name, `node '${path}' (${type}): parameter '${p}' is a string, expected numbers`);
  return { type, params, metadata: readMetadata(group) };
}

/** Datasets of a node group; nested groups (input_type/output_type dicts) become dotted names. */
function collectParams(group: H5Group, prefix: string, into: Map<string, NirValue>): void {
  for (const [key, entry] of group.children) {
    if (prefix === '' && (key === 'type' || key === 'metadata')) continue;
    if (entry.kind === 'group') collectParams(entry, `${prefix}${key}.`, into);
    else into.set(`${prefix}${key}`, entry.value);
  }
}

/** NirDocument → HDF5 bytes in the layout `parseNir` reads (and the nir package writes). */
export function serializeNir(doc: NirDocument): Promise<Uint8Array> {
  const root: H5Group = { kind: 'group', children: new Map() };
  root.children.set('version', str(doc.version));
  root.children.set('node', graphGroup(doc.graph));
  return writeHdf5(root);
}

function str(s: string): H5Entry {
  return { kind: 'dataset', value: { kind: 'strings', shape: [], data: [s] } };
}

function metadataGroup(meta: NirMetadata): H5Group {
  return { kind: 'group', children: new Map([...meta].map(([k, v]) => [k, { kind: 'dataset', value: v }])) };
}

function graphGroup(graph: NirGraph): H5Group {
  const nodes: H5Group = { kind: 'group', children: new Map() };
  for (const [key, node] of graph.nodes) nodes.children.set(key, node.type === 'NIRGraph' ? graphGroup(node as NirGraph) : nodeGroup(node as NirNode));
  const children = new Map<string, H5Entry>([
    ['type', str('NIRGraph')],
    ['nodes', nodes],
    ['edges', { kind: 'dataset', value: { kind: 'strings', shape: [graph.edges.length, 2], data: graph.edges.flat() } }],
  ]);
  if (graph.metadata.size) children.set('metadata', metadataGroup(graph.metadata));
  return { kind: 'group', children };
}

function nodeGroup(node: NirNode): H5Group {
  const group: H5Group = { kind: 'group', children: new Map<string, H5Entry>([['type', str(node.type)]]) };
  for (const [k, v] of node.params) {
    // Dotted names came from nested groups (collectParams): write them back as groups.
    const parts = k.split('.');
    let at = group;
    for (const part of parts.slice(0, -1)) {
      const next = at.children.get(part);
      at = next?.kind === 'group' ? next : (at.children.set(part, { kind: 'group', children: new Map() }).get(part) as H5Group);
    }
    at.children.set(parts.at(-1)!, { kind: 'dataset', value: v });
  }
  if (node.metadata.size) group.children.set('metadata', metadataGroup(node.metadata));
  return group;
}
