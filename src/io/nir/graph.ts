// A NIR graph made flat and checked: nested graphs inlined, edges resolved, one Input, one Output, no cycles, nodes in topological order.

import { fileError } from '../../errors.js';
import { int } from '../../units.js';
import type { NirGraph, NirMetadata, NirNode } from './types.js';

/** A graph with only leaf nodes (names of inlined subgraph nodes are `sub.name`), in evaluation order. */
export interface FlatGraph {
  nodes: Map<string, NirNode>;
  /** Topological order: every edge's source comes before its target. */
  order: string[];
  /** Incoming node names per node (several are summed, as NIR defines). */
  inputs: Map<string, string[]>;
  outputs: Map<string, string[]>;
  input: string;
  output: string;
  metadata: NirMetadata;
}

interface Flattened {
  nodes: Map<string, NirNode>;
  /** Input/Output nodes of inlined subgraphs: identities that disappear once their edges are joined. */
  ports: Set<string>;
  /** This graph's own Input and Output nodes (full names): what an edge to or from the subgraph means. */
  own: { Input: string[]; Output: string[] };
  edges: Array<[string, string]>;
}

const isGraph = (n: NirNode | NirGraph): n is NirGraph => n.type === 'NIRGraph';

/** Flatten, check and order a NIR graph; `name` (the file) starts every error. */
export function flattenGraph(graph: NirGraph, name: string): FlatGraph {
  const flat = inline(graph, '', name);
  const { nodes, edges } = joinPorts(flat);
  const inputs = new Map<string, string[]>([...nodes.keys()].map((k) => [k, []]));
  const outputs = new Map<string, string[]>([...nodes.keys()].map((k) => [k, []]));
  for (const [s, t] of edges) {
    outputs.get(s)!.push(t);
    inputs.get(t)!.push(s);
  }
  const input = single(nodes, 'Input', name);
  const output = single(nodes, 'Output', name);
  for (const [key, node] of nodes) checkDegree(key, node, inputs.get(key)!, outputs.get(key)!, name);
  return { nodes, order: topologicalOrder(nodes, inputs, outputs, name), inputs, outputs, input, output, metadata: graph.metadata };
}

/** Inline nested graphs, prefixing their node names, and resolve every edge to leaf node names. */
function inline(graph: NirGraph, prefix: string, name: string): Flattened {
  const out: Flattened = { nodes: new Map(), ports: new Set(), own: { Input: [], Output: [] }, edges: [] };
  const subs = new Map<string, Flattened>();
  for (const [key, node] of graph.nodes) {
    if (isGraph(node)) {
      const sub = inline(node, `${prefix}${key}.`, name);
      subs.set(key, sub);
      for (const [k, v] of sub.nodes) out.nodes.set(k, v);
      for (const p of sub.ports) out.ports.add(p);
      out.edges.push(...sub.edges);
    } else {
      out.nodes.set(`${prefix}${key}`, node);
      if (node.type === 'Input' || node.type === 'Output') out.own[node.type].push(`${prefix}${key}`);
    }
  }
  const seen = new Set<string>();
  for (const [s, t] of graph.edges) {
    const edge = `edge '${prefix}${s}' → '${prefix}${t}'`;
    const pair: [string, string] = [resolve(graph, subs, prefix, s, 'Output', edge, name), resolve(graph, subs, prefix, t, 'Input', edge, name)];
    const id = pair.join('\u0000');
    if (!seen.has(id)) out.edges.push(pair);
    seen.add(id);
  }
  // This graph's own Input/Output nodes are ports when it is itself nested.
  if (prefix !== '') for (const k of [...out.own.Input, ...out.own.Output]) out.ports.add(k);
  return out;
}

/**
 * An edge endpoint: a leaf node of this graph, a subgraph (meaning its only Output when it is a
 * source, its only Input when it is a target) or `sub.inner` naming a node inside a subgraph.
 */
function resolve(
  graph: NirGraph,
  subs: Map<string, Flattened>,
  prefix: string,
  endpoint: string,
  port: 'Input' | 'Output',
  edge: string,
  name: string,
): string {
  const node = graph.nodes.get(endpoint);
  if (node && !isGraph(node)) return `${prefix}${endpoint}`;
  if (node) {
    const ports = subs.get(endpoint)!.own[port];
    if (ports.length !== 1)
      throw fileError(name, `${edge}: subgraph '${prefix}${endpoint}' has ${ports.length} ${port} nodes; name one as '${endpoint}.<${port.toLowerCase()}>'`);
    return ports[0]!;
  }
  const full = `${prefix}${endpoint}`;
  // `sub.inner`: try each dot as the end of a subgraph's name (names may hold dots themselves).
  for (let dot = endpoint.indexOf('.'); dot > 0; dot = endpoint.indexOf('.', dot + 1)) if (subs.get(endpoint.slice(0, dot))?.nodes.has(full)) return full;
  throw fileError(name, `${edge}: no node named '${full}'`);
}

/**
 * Replace every port node by direct edges from each of its sources to each of its targets, in the
 * order the edges would have if the list were filtered and appended port by port; edges are indexed
 * by node so that each port costs its own edges, not the whole list (a graph of thousands of
 * subgraphs would otherwise take minutes).
 */
function joinPorts(flat: Flattened): { nodes: Map<string, NirNode>; edges: Array<[string, string]> } {
  const edges: Array<{ s: string; t: string; alive: boolean }> = [];
  const into = new Map<string, number[]>();
  const from = new Map<string, number[]>();
  const present = new Set<string>();
  const key = (s: string, t: string) => `${s}\u0000${t}`;
  const add = (s: string, t: string) => {
    if (present.has(key(s, t))) return;
    present.add(key(s, t));
    (from.get(s) ?? from.set(s, []).get(s)!).push(edges.length);
    (into.get(t) ?? into.set(t, []).get(t)!).push(edges.length);
    edges.push({ s, t, alive: true });
  };
  const take = (index: Map<string, number[]>, port: string) => (index.get(port) ?? []).map((i) => edges[i]!).filter((e) => e.alive);
  for (const [s, t] of flat.edges) add(s, t);
  for (const port of flat.ports) {
    const sources = take(into, port);
    const targets = take(from, port);
    for (const e of [...sources, ...targets]) {
      e.alive = false;
      present.delete(key(e.s, e.t));
    }
    for (const { s } of sources) for (const { t } of targets) add(s, t);
  }
  const nodes = new Map([...flat.nodes].filter(([k]) => !flat.ports.has(k)));
  return { nodes, edges: edges.filter((e) => e.alive).map((e): [string, string] => [e.s, e.t]) };
}

function single(nodes: Map<string, NirNode>, type: 'Input' | 'Output', name: string): string {
  const found = [...nodes].filter(([, n]) => n.type === type).map(([k]) => k);
  if (found.length === 1) return found[0]!;
  const which = found.length ? ` (${found.join(', ')})` : '';
  throw fileError(name, `the graph has ${found.length} ${type} nodes${which}; spikemesh maps graphs with exactly one ${type}`);
}

function checkDegree(key: string, node: NirNode, inputs: string[], outputs: string[], name: string): void {
  if (node.type === 'Input' && inputs.length) throw fileError(name, `edge '${inputs[0]}' → '${key}': the Input node cannot receive edges`);
  if (node.type === 'Output' && outputs.length) throw fileError(name, `edge '${key}' → '${outputs[0]}': the Output node cannot send edges`);
  if (node.type !== 'Input' && inputs.length === 0) throw fileError(name, `node '${key}' has no incoming edge (nothing reaches it from the Input)`);
  if (node.type !== 'Output' && outputs.length === 0) throw fileError(name, `node '${key}' has no outgoing edge (it does not lead to the Output)`);
}

/** Kahn's algorithm, in the file's node order among ready nodes; a cycle is reported node by node. */
function topologicalOrder(nodes: Map<string, NirNode>, inputs: Map<string, string[]>, outputs: Map<string, string[]>, name: string): string[] {
  const waiting = new Map([...inputs].map(([k, v]) => [k, v.length]));
  const order = [...nodes.keys()].filter((k) => waiting.get(k) === 0);
  for (let i = 0; i < order.length; i++) {
    for (const t of outputs.get(order[i]!)!) {
      const n = waiting.get(t)! - 1;
      waiting.set(t, n);
      if (n === 0) order.push(t);
    }
  }
  if (order.length === nodes.size) return order;
  const placed = new Set(order);
  throw fileError(
    name,
    `cycle ${describeCycle(new Set([...nodes.keys()].filter((k) => !placed.has(k))), inputs)}: spikemesh maps feed-forward graphs only (no recurrence)`,
  );
}

/** Nodes of a cycle named in full in its message; a longer one is elided in the middle. */
const CYCLE_SHOWN = 12;

/** Walk backwards among the unordered nodes until a node repeats: that stretch is a cycle. */
function describeCycle(left: Set<string>, inputs: Map<string, string[]>): string {
  const path: string[] = [];
  const step = new Map<string, number>();
  let at = [...left][0]!;
  while (!step.has(at)) {
    step.set(at, path.length);
    path.push(at);
    at = inputs.get(at)!.find((s) => left.has(s))!;
  }
  const found = path.slice(step.get(at)).reverse();
  // Start at the node that comes first in the file, so the message does not depend on where the walk began.
  const position = new Map([...inputs.keys()].map((k, i) => [k, i]));
  const first = found.reduce((best, k, i) => (position.get(k)! < position.get(found[best]!)! ? i : best), 0);
  const cycle = [...found.slice(first), ...found.slice(0, first)].map((k) => `'${k}'`);
  const shown = cycle.length <= CYCLE_SHOWN ? cycle : [...cycle.slice(0, CYCLE_SHOWN - 2), `… (${int(cycle.length)} nodes in all)`, cycle.at(-1)!];
  return [...shown, cycle[0]].join(' → ');
}
