// Data types of NIR graphs (Neuromorphic Intermediate Representation, HDF5 layout of NIR 1.x) as spikemesh reads and writes them.

import type { ResetMode } from '../../net/types.js';

/** A numeric dataset, row-major ([] shape: a scalar); `dtype` says how it is written back. */
export interface NirNumbers {
  kind: 'numbers';
  shape: number[];
  data: Float64Array;
  dtype: 'f32' | 'f64' | 'int';
}

/** A string dataset (HDF5 variable-length strings, as h5py writes Python str). */
export interface NirStrings {
  kind: 'strings';
  shape: number[];
  data: string[];
}

export type NirValue = NirNumbers | NirStrings;

/** Free-form per-node or per-graph metadata (the `metadata` group of NIR ≥ 1.0). */
export type NirMetadata = Map<string, NirValue>;

/** One node: its NIR type name and its parameter datasets, by their NIR names (`weight`, `v_threshold`, …). */
export interface NirNode {
  type: string;
  /** Parameter datasets; a nested group's datasets appear as `group.name` (e.g. `input_type.input`). */
  params: Map<string, NirValue>;
  metadata: NirMetadata;
}

/** A (possibly nested) NIR graph: named nodes and directed edges; several edges into one node are summed. */
export interface NirGraph {
  type: 'NIRGraph';
  nodes: Map<string, NirNode | NirGraph>;
  edges: Array<[source: string, target: string]>;
  metadata: NirMetadata;
}

/** A whole NIR file: the root `version` string and the graph under `node/`. */
export interface NirDocument {
  version: string;
  graph: NirGraph;
}

/** How to read a NIR graph into spikemesh's discrete-time network. */
export interface NirImportOptions {
  /**
   * The exporter's time step in seconds: NIR neurons are continuous-time, spikemesh steps are
   * discrete. Default: the graph's `dt` metadata if present, else 1e-4 (snnTorch's export).
   */
  dt?: number;
  /**
   * Reset of LIF/IF/CubaLIF nodes. NIR defines a hard reset (to v_reset = 0), which is the default;
   * 'soft' (subtract the threshold) restores what snnTorch's Leaky trains with, since its export
   * writes a plain LIF. Files that spikemesh exported carry their reset in node metadata.
   */
  reset?: ResetMode;
}

/** What an export wrote and what it could not express exactly. */
export interface NirExportReport {
  nodes: number;
  edges: number;
  /** One line per approximation, naming the population and what NIR holds instead. */
  approximations: string[];
}

/** What an import changed or assumed, one line each (printed by convert-checkpoint, kept in provenance). */
export interface NirImportNotes {
  dt: number;
  notes: string[];
}
