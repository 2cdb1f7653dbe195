// The project's checkpoint bundle: a folder with model.json (validated with zod) and weights.safetensors.

import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { fileError } from '../errors.js';
import type { ArchSpec } from '../net/types.js';
import { readBytes, readJson } from './files.js';
import { checkOutputFolder, writeOutputFolder, type OutputRules } from './output.js';
import { storedNetworkSchema } from './nir/custom.js';
import { parseSafetensors, serializeSafetensors } from './safetensors.js';
import type { Bundle, BundleMeta, JsonValue } from './types.js';

export const BUNDLE_FORMAT = 'spikemesh-bundle';
export const BUNDLE_VERSION = 1;
export const MODEL_FILE = 'model.json';
export const WEIGHTS_FILE = 'weights.safetensors';

const positiveInt = z.int().positive();

export const archSpecSchema = z.object({
  arch: z.enum(['dl-vgg9', 'fcn-vgg9', 'custom']),
  kind: z.enum(['snn', 'ann']),
  inputHeight: positiveInt,
  inputWidth: positiveInt,
  inputChannels: positiveInt,
  classes: positiveInt,
  timesteps: positiveInt,
  width: z.number().positive(),
  leak: z.number(),
  threshold: z.number(),
  encoding: z.enum(['poisson', 'dvs', 'analog']),
}) satisfies z.ZodType<ArchSpec>;

const jsonValue: z.ZodType<JsonValue> = z.lazy(() =>
  z.union([z.null(), z.boolean(), z.number(), z.string(), z.array(jsonValue), z.record(z.string(), jsonValue)]),
);

export const bundleMetaSchema = z
  .object({
    format: z.literal(BUNDLE_FORMAT),
    version: z.literal(BUNDLE_VERSION),
    spec: archSpecSchema,
    dataset: z.string().min(1),
    classNames: z.array(z.string()).optional(),
    provenance: z.record(z.string(), jsonValue),
    metrics: z.record(z.string(), jsonValue).optional(),
    untrained: z.boolean().optional(),
    notes: z.string().optional(),
    network: storedNetworkSchema.optional(),
  })
  .refine((m) => (m.spec.arch === 'custom') === (m.network !== undefined), {
    message: "a network is stored exactly when spec.arch is 'custom' (imported from NIR)",
    path: ['network'],
  })
  .refine((m) => !m.classNames || m.classNames.length === m.spec.classes, {
    message: 'classNames must name every class (one name per spec.classes)',
    path: ['classNames'],
  }) satisfies z.ZodType<BundleMeta>;

/** Validate model.json contents; `name` (its path) starts the error, which lists the first problems. */
export function parseBundleMeta(json: unknown, name: string): BundleMeta {
  const head = json as { format?: unknown; version?: unknown } | null;
  if (head?.format !== BUNDLE_FORMAT) throw fileError(name, `not a spikemesh bundle (format is ${JSON.stringify(head?.format)}, expected "${BUNDLE_FORMAT}")`);
  if (head.version !== BUNDLE_VERSION)
    throw fileError(name, `bundle version ${JSON.stringify(head.version)} is not supported (this spikemesh reads version ${BUNDLE_VERSION})`);
  const r = bundleMetaSchema.safeParse(json);
  if (r.success) return r.data;
  const problems = r.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(top level)'}: ${i.message}`);
  throw fileError(name, `invalid bundle metadata: ${problems.join('; ')}${r.error.issues.length > 3 ? ` (+${r.error.issues.length - 3} more)` : ''}`);
}

/** Load a bundle folder (weights exactly as stored; checkpoint.ts validates them against the spec). */
export function loadBundle(dir: string): Bundle {
  const metaPath = join(dir, MODEL_FILE);
  if (!existsSync(metaPath)) throw fileError(dir, `no ${MODEL_FILE} here (not a spikemesh bundle)`);
  const meta = parseBundleMeta(readJson(metaPath), metaPath);
  const weightsPath = join(dir, WEIGHTS_FILE);
  return { meta, weights: parseSafetensors(readBytes(weightsPath), weightsPath).tensors };
}

/** A bundle folder: it always holds model.json and the weights, so it needs no manifest to be known as one. */
const bundleOutput = (force: boolean): OutputRules => ({ what: 'bundle', force, owns: [MODEL_FILE, WEIGHTS_FILE] });

/** Refuse, before the work that makes it, a bundle folder that would be refused when saved. */
export function checkBundleOut(dir: string, force = false): void {
  checkOutputFolder(dir, bundleOutput(force));
}

/**
 * Write a bundle under the output discipline: `dir` only ever holds a complete bundle (staged, then swapped in); a
 * folder holding anything but a bundle is refused, or with `force` written into, its other files kept.
 */
export function saveBundle(dir: string, bundle: Bundle, force = false): void {
  const meta = parseBundleMeta(bundle.meta, join(dir, MODEL_FILE));
  const files = new Map<string, Uint8Array | string>([
    [WEIGHTS_FILE, serializeSafetensors(bundle.weights)],
    [MODEL_FILE, `${JSON.stringify(meta, null, 2)}\n`],
  ]);
  writeOutputFolder(dir, files, bundleOutput(force));
}
