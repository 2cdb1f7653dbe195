// The project's checkpoint bundle: a folder with model.json (validated with zod) and weights.safetensors.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { fileError } from '../errors.js';
import type { ArchSpec } from '../net/types.js';
import { nestedDeeperThan, refusal } from './boundary.js';
import { readBytes, readJson } from './files.js';
import { checkOutputFolder, writeOutputFolder, type OutputRules } from './output.js';
import { storedNetworkSchema } from './nir/custom.js';
import { parseSafetensors, serializeSafetensors } from './safetensors.js';
import type { Bundle, BundleMeta, JsonValue } from './types.js';

export const BUNDLE_FORMAT = 'spikemesh-bundle';
export const BUNDLE_VERSION = 1;
export const MODEL_FILE = 'model.json';
export const WEIGHTS_FILE = 'weights.safetensors';

// Ranges of a spec read from a file, so that an absurd model.json is refused before a network is built or an input
// allocated for it. Sizes, channels and timesteps are the CLI flags' ranges (cli/options.ts); classes go beyond the
// zoo's 255 for networks imported from NIR.
const MAX_SIDE = 8192;
const MAX_INPUT_CHANNELS = 1024;
const MAX_CLASSES = 4096;
const MAX_TIMESTEPS = 4096;
const MAX_WIDTH = 16;
/** Values of one input frame (channels × height × width): 2^26, 256 MiB as float32. */
const MAX_INPUT_VALUES = 2 ** 26;
/** Nesting of model.json (provenance and metrics are free-form JSON, validated recursively). */
const MAX_DEPTH = 64;

const upTo = (max: number, unit = '') =>
  z
    .number()
    .int('must be a whole number')
    .min(1, 'must be ≥ 1')
    .max(max, `must be ≤ ${max.toLocaleString('en-US')}${unit}`);

export const archSpecSchema = z
  .object({
    arch: z.enum(['dl-vgg9', 'fcn-vgg9', 'custom']),
    kind: z.enum(['snn', 'ann']),
    inputHeight: upTo(MAX_SIDE, ' pixels'),
    inputWidth: upTo(MAX_SIDE, ' pixels'),
    inputChannels: upTo(MAX_INPUT_CHANNELS),
    classes: upTo(MAX_CLASSES),
    timesteps: upTo(MAX_TIMESTEPS),
    width: z.number().positive('must be > 0').max(MAX_WIDTH, `must be ≤ ${MAX_WIDTH}`),
    leak: z.number(),
    threshold: z.number(),
    encoding: z.enum(['poisson', 'dvs', 'analog']),
    target: z.enum(['truenorth']).optional(),
  })
  .refine((s) => s.inputChannels * s.inputHeight * s.inputWidth <= MAX_INPUT_VALUES, {
    error: (i) => {
      const s = i.input as ArchSpec;
      return `an input of ${s.inputChannels}×${s.inputHeight}×${s.inputWidth} values is more than ${MAX_INPUT_VALUES.toLocaleString('en-US')}`;
    },
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
  if (nestedDeeperThan(json, MAX_DEPTH)) throw fileError(name, `nested more than ${MAX_DEPTH} levels deep`);
  const r = bundleMetaSchema.safeParse(json);
  if (r.success) return r.data;
  const problems = r.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(top level)'}: ${i.message}`);
  throw refusal(name, `invalid bundle metadata: ${problems.join('; ')}${r.error.issues.length > 3 ? ` (+${r.error.issues.length - 3} more)` : ''}`);
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
