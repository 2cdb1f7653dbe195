// The project's checkpoint bundle: a folder with model.json (validated with zod) and weights.safetensors.

import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { fileError } from '../errors.js';
import type { ArchSpec } from '../net/types.js';
import { readBytes, readJson, replaceFolder } from './files.js';
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

/** Only bundle files may be replaced: saving over a folder of other things must not delete them. */
function checkReplaceable(dir: string): void {
  if (!statSync(dir).isDirectory()) throw fileError(dir, 'exists and is not a folder');
  const foreign = readdirSync(dir).filter((f) => f !== MODEL_FILE && f !== WEIGHTS_FILE);
  if (foreign.length) throw fileError(dir, `exists and holds other files (${foreign.slice(0, 3).join(', ')}); refusing to replace it`);
}

/**
 * Write a bundle so that `dir` only ever holds a complete bundle (replaceFolder); an existing folder is replaced
 * only if it holds a bundle.
 */
export function saveBundle(dir: string, bundle: Bundle): void {
  const meta = parseBundleMeta(bundle.meta, join(dir, MODEL_FILE));
  if (existsSync(dir)) checkReplaceable(dir);
  const files = new Map<string, Uint8Array | string>([
    [WEIGHTS_FILE, serializeSafetensors(bundle.weights)],
    [MODEL_FILE, `${JSON.stringify(meta, null, 2)}\n`],
  ]);
  try {
    replaceFolder(dir, files);
  } catch (e) {
    throw fileError(dir, `could not write the bundle (${(e as Error).message})`);
  }
}
