// What a worker's job thread keeps between the points of a sweep: their mappings and their input samples. Points of
// one sweep share the model and differ in a few profile fields (prices, semantics, limits), most of which the mapper
// never reads; a mapping is reused only for a profile that agrees on every field the mapper read to make it.

import { createHash } from 'node:crypto';
import type { CoreProfile } from '../hw/types.js';
import type { Mapping } from '../mapping/types.js';
import type { Sample, SampleSource } from '../runs/samples.js';

/** A profile's name is a label, never read for a figure (as the explore cache key has it): mapped under this one, a mapping's own copy of it is put back. */
export const NAME_STANDIN = '\u0000spikemesh-memo-profile\u0000';

/** What a read gave: a primitive itself, an object only its kind (what is read inside it is recorded on its own). */
function seen(v: unknown): unknown {
  if (v === null || (typeof v !== 'object' && typeof v !== 'function')) return v;
  return typeof v === 'function' ? '\u0000function' : Array.isArray(v) ? '\u0000array' : '\u0000object';
}

/** The value at a recorded path, read the same way (`.keys` and `.has:` are the two non-value reads). */
function replay(root: unknown, path: string[]): unknown {
  let v: unknown = root;
  for (let i = 0; i < path.length; i++) {
    const step = path[i]!;
    if (v === null || typeof v !== 'object') return undefined;
    if (i === path.length - 1 && step === '\u0000keys') return JSON.stringify(Reflect.ownKeys(v).map(String));
    if (i === path.length - 1 && step.startsWith('\u0000has:')) return Reflect.has(v, step.slice(5));
    v = Reflect.get(v, step);
  }
  return seen(v);
}

export interface Tracking {
  view: CoreProfile;
  /** Every read, by its path joined with \u0001: what it gave. */
  reads: Map<string, unknown>;
  proxies: WeakSet<object>;
  /** Something wrote to the profile: the mapping is not a function of the reads alone. */
  wrote: boolean;
}

/** A view of `profile` that records every field read through it (nested objects too). */
export function track(profile: CoreProfile): Tracking {
  const t: Tracking = { view: profile, reads: new Map(), proxies: new WeakSet(), wrote: false };
  const views = new WeakMap<object, object>();
  const record = (path: string[], v: unknown) => t.reads.set(path.join('\u0001'), v);
  const wrap = (target: object, path: string[]): object => {
    const known = views.get(target);
    if (known) return known;
    // A field's first read is recorded; the mapper may read one in a loop, and an unwritten profile gives the same.
    const gotten = new Set<string>();
    const p = new Proxy(target, {
      get(o, k, receiver) {
        const v: unknown = Reflect.get(o, k, receiver);
        if (typeof k === 'symbol') return v;
        if (!gotten.has(k)) {
          gotten.add(k);
          record([...path, k], seen(v));
        }
        return v !== null && typeof v === 'object' ? wrap(v, [...path, k]) : v;
      },
      has(o, k) {
        const v = Reflect.has(o, k);
        if (typeof k === 'string') record([...path, `\u0000has:${k}`], v);
        return v;
      },
      ownKeys(o) {
        const keys = Reflect.ownKeys(o);
        record([...path, '\u0000keys'], JSON.stringify(keys.map(String)));
        return keys;
      },
      getOwnPropertyDescriptor(o, k) {
        const d = Reflect.getOwnPropertyDescriptor(o, k);
        if (typeof k === 'string') record([...path, k], seen(d?.value));
        return d;
      },
      set(o, k, v) {
        t.wrote = true;
        return Reflect.set(o, k, v);
      },
      defineProperty(o, k, d) {
        t.wrote = true;
        return Reflect.defineProperty(o, k, d);
      },
      deleteProperty(o, k) {
        t.wrote = true;
        return Reflect.deleteProperty(o, k);
      },
    });
    views.set(target, p);
    t.proxies.add(p);
    return p;
  };
  t.view = wrap(profile, []) as CoreProfile;
  return t;
}

type Path = Array<string | number>;

/**
 * Where the mapping names its profile (the stand-in name in a string: its own field, the partition's, notes), or null
 * when it cannot be kept: it holds a view of the profile, or names it inside a Map or Set.
 */
function namedAt(mapping: Mapping, proxies: WeakSet<object>): Path[] | null {
  const found: Path[] = [];
  const stack: Array<[unknown, Path]> = [[mapping, []]];
  const visited = new Set<object>();
  while (stack.length > 0) {
    const [v, path] = stack.pop()!;
    if (typeof v === 'string' && v.includes(NAME_STANDIN)) found.push(path);
    if (v === null || typeof v !== 'object' || ArrayBuffer.isView(v) || visited.has(v)) continue;
    if (proxies.has(v)) return null;
    visited.add(v);
    if (v instanceof Map || v instanceof Set) {
      for (const x of v instanceof Map ? [...v.keys(), ...v.values()] : v)
        if ((typeof x === 'string' && x.includes(NAME_STANDIN)) || proxies.has(x as object)) return null;
      for (const x of v instanceof Map ? v.values() : v) stack.push([x, [...path, '\u0000opaque']]);
    } else for (const [k, x] of Object.entries(v)) stack.push([x, [...path, Array.isArray(v) ? Number(k) : k]]);
  }
  // A named string inside a Map or Set was refused above; one deeper under them cannot be put back by path.
  return found.some((p) => p.includes('\u0000opaque')) ? null : found;
}

/** A container copied with its prototype (the kept mapping is shared by every point that gets it: never changed). */
function copied<T extends object>(o: T): T {
  return Array.isArray(o) ? ([...o] as T) : Object.assign(Object.create(Object.getPrototypeOf(o) as object) as T, o);
}

/** The kept mapping with `name` where it names its profile (copying only the containers on the way). */
function renamed(mapping: Mapping, paths: Path[], name: string): Mapping {
  const out = copied(mapping);
  for (const path of paths) {
    let at: Record<string | number, unknown> = out as unknown as Record<string | number, unknown>;
    for (const k of path.slice(0, -1)) at = at[k] = copied(at[k] as object) as Record<string | number, unknown>;
    const last = path.at(-1)!;
    at[last] = (at[last] as string).replaceAll(NAME_STANDIN, name);
  }
  return out;
}

/** The reads a tracked profile gave, split into paths; its name left out (read only to be written into what is made: any name gives the same). */
export function readsOf(t: Tracking): Array<[string[], unknown]> {
  return [...t.reads].filter(([path]) => path !== 'name').map(([path, v]): [string[], unknown] => [path.split('\u0001'), v]);
}

/** Whether every read gives the same in `profile`. */
export function agrees(reads: Array<[string[], unknown]>, profile: CoreProfile): boolean {
  return reads.every(([path, v]) => Object.is(replay(profile, path), v));
}

interface MappingEntry {
  /** The hash of the content key it was made for. */
  key: string;
  /** The reads the mapper made, split into paths, and what each gave. */
  reads: Array<[string[], unknown]>;
  /** Made under the stand-in name, named at `named`. */
  mapping: Mapping;
  named: Path[];
}

/**
 * Mappings kept per thread, the least recently used dropped first: a sweep needs one per distinct set of the fields the
 * mapper reads; a paper-size mapping holds millions of flows, so a few.
 */
export const KEPT_MAPPINGS = 4;

/**
 * Mappings by what they were made from: `network` (a content key of everything but the profile: network, weight
 * shapes, placer) and the profile fields the mapper read. A profile that agrees with a kept mapping's reads gets it.
 */
export class MappingMemo {
  /** Least recently used first. */
  private entries: MappingEntry[] = [];
  hits = 0;
  misses = 0;

  /** The kept mapping (under the stand-in name) each mapping handed out was made from: the kept chips' key. */
  private origins = new WeakMap<Mapping, Mapping>();

  /** The mapping of `profile` as `map` makes it; from the memo when a kept one was made from the same reads. */
  get(network: string, profile: CoreProfile, map: (profile: CoreProfile) => Mapping): Mapping {
    const key = createHash('sha256').update(network).digest('hex');
    const kept = this.entries.find((e) => e.key === key && agrees(e.reads, profile));
    if (kept) {
      this.hits++;
      this.entries = [...this.entries.filter((e) => e !== kept), kept];
      return this.named(kept, profile);
    }
    this.misses++;
    // A copy: a parsed profile is frozen, and a proxy of a frozen object must hand out the very objects it holds.
    const t = track({ ...structuredClone(profile), name: NAME_STANDIN });
    let mapping: Mapping;
    try {
      mapping = map(t.view);
    } catch {
      // Its message may name the profile: the real one makes it again (failures are not kept).
      return map(profile);
    }
    const named = t.wrote ? null : namedAt(mapping, t.proxies);
    if (named === null) return map(profile);
    const entry = { key, reads: readsOf(t), mapping, named };
    this.entries = [...this.entries, entry].slice(-KEPT_MAPPINGS);
    return this.named(entry, profile);
  }

  /** The kept mapping `mapping` (handed out by this memo) was made from; undefined for one made afresh. */
  origin(mapping: Mapping): Mapping | undefined {
    return this.origins.get(mapping);
  }

  private named(e: MappingEntry, profile: CoreProfile): Mapping {
    const out = renamed(e.mapping, e.named, profile.name);
    this.origins.set(out, e.mapping);
    return out;
  }
}

/** Most bytes of input samples a thread keeps (a sweep's samples are few; a paper-size image is ~3 MB). */
export const KEPT_SAMPLE_BYTES = 64 << 20;

function inputBytes(s: Sample): number {
  const input = s.input as unknown as Record<string, { data?: ArrayBufferView }>;
  return Object.values(input).reduce((a, v) => a + (v?.data && ArrayBuffer.isView(v.data) ? v.data.byteLength : 0), 0);
}

/**
 * The samples of one sweep's settings, made once and handed out as copies (a run must not see what another did to
 * its input). Another key replaces them; samples past KEPT_SAMPLE_BYTES are made each time.
 */
export class SampleMemo {
  private key = '';
  private samples = new Map<number, Sample>();
  private bytes = 0;

  /** `make`'s samples for `key` (a content key of everything they are made from); `make` runs only for a new key. */
  source(key: string, make: () => SampleSource): SampleSource {
    let fresh: SampleSource | undefined;
    if (key !== this.key) {
      // Made before anything is kept: a key whose samples cannot be made (a data set too small) keeps nothing.
      fresh = make();
      this.key = key;
      this.samples = new Map();
      this.bytes = 0;
    }
    const samples = this.samples;
    return (i) => {
      const kept = samples.get(i);
      if (kept) return structuredClone(kept);
      fresh ??= make();
      const s = fresh(i);
      const size = inputBytes(s);
      if (samples !== this.samples || this.bytes + size > KEPT_SAMPLE_BYTES) return s;
      samples.set(i, structuredClone(s));
      this.bytes += size;
      return s;
    };
  }
}
