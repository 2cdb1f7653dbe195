// Small helpers for the dense Tensor type.

import { UserError } from '../errors.js';
import type { Model, Tensor, WeightMap } from './types.js';

export function numel(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

export function tensor(shape: number[], data?: Float32Array | number[]): Tensor {
  const n = numel(shape);
  const d = data instanceof Float32Array ? data : data ? Float32Array.from(data) : new Float32Array(n);
  if (d.length !== n) throw new Error(`tensor: ${d.length} values for shape [${shape}]`);
  return { shape, data: d };
}

export function getWeight(weights: WeightMap, key: string): Tensor {
  const t = weights.get(key);
  if (!t) throw new UserError(`missing weight tensor '${key}'`);
  return t;
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** Every weight's shape by key: what mapping, statistics and cost estimates need of a model (no values). */
export function weightShapes(model: Pick<Model, 'weights'>): Map<string, number[]> {
  return new Map([...model.weights].map(([k, t]) => [k, t.shape]));
}
