// What a worker's job thread keeps between points besides mappings and samples: the chip built on a kept mapping and an
// engine started on it per semantics. A sweep's points mostly differ in fields that building the chip and the engine
// never read (prices, limits the run checks): each such point runs on the kept engine, on a copy of the chip that
// carries the point's own profile, which is what the run itself reads. A point is kept only where every field read in
// building agrees, and checked again after its run, since the kept chip may be read later (a lazily built table).

import { Engine } from '../engine/run.js';
import type { Chip } from '../engine/chip.js';
import type { Arithmetic, Semantics } from '../engine/types.js';
import type { CoreProfile } from '../hw/types.js';
import type { Mapping } from '../mapping/types.js';
import type { Model } from '../net/types.js';
import { prepareChip, prepareRun, type PreparedRun } from '../runs/prepare.js';
import { agrees, NAME_STANDIN, readsOf, track, type Tracking } from './memo.js';

/**
 * Chips kept per thread, each with up to one engine per semantics. One: a sweep whose points share a chip needs only
 * it, and a paper-size chip with its engines' buffers takes gigabytes, so the kept one goes before another is built.
 */
export const KEPT_CHIPS = 1;

/**
 * Past this many bytes of array buffers on the thread, a kept chip keeps only the engine in use: a paper-size engine's
 * buffers take hundreds of MB, and a second one for the other semantics would hold them twice between points.
 */
export const KEPT_ENGINE_BYTES = 512 * 2 ** 20;

/** What a point's chip and engine are made from, besides the profile. */
export interface EngineRequest {
  /** A content key of the model (weights and network at the point's T) and the arithmetic. */
  key: string;
  /** The kept mapping (stand-in name) the point's mapping was made from; undefined: made afresh, nothing is kept. */
  origin: Mapping | undefined;
  /** The point's mapping, named for its profile. */
  mapping: Mapping;
  model: Model;
  profile: CoreProfile;
  arithmetic: Arithmetic;
  semantics: Semantics;
}

interface ChipEntry {
  key: string;
  origin: Mapping;
  /** Every read of the kept chip's profile, in building it and its engines and any time after. */
  tracking: Tracking;
  chip: Chip;
  engines: Map<Semantics, Engine>;
}

/** A chip and engine lent for one run. */
export interface LentRun {
  prepared: PreparedRun;
  /** Whether it came from the kept ones. */
  kept: boolean;
  /** The chip the engine was started on: the kept one (its profile a tracked copy that records every read), or `prepared.chip`. */
  built: Chip;
  /**
   * After the run (`ran`: it finished): true when its result stands, i.e. the kept chip's profile was read nowhere the
   * point's profile differs. A false drops the kept chip: the caller runs the point afresh.
   */
  settle(ran: boolean): Promise<boolean>;
}

export class EngineMemo {
  private entries: ChipEntry[] = [];
  hits = 0;
  misses = 0;
  /** Engines started on kept chips. */
  started = 0;

  constructor(private readonly keptEngineBytes = KEPT_ENGINE_BYTES) {}

  /** A chip and engine for the request: the kept ones where they fit it, else prepared for this run alone. */
  async lend(req: EngineRequest): Promise<LentRun> {
    const entry = req.origin && (this.find(req) ?? (await this.build(req, req.origin)));
    const engine = entry && (await this.engineOf(entry, req.semantics));
    if (!entry || !engine) return fresh(req);
    const chip: Chip = { ...entry.chip, profile: req.profile, spec: { ...entry.chip.spec, profile: req.profile, mapping: req.mapping } };
    return {
      prepared: { mapping: req.mapping, chip, arithmetic: entry.chip.arithmetic, engine: engine.onChip(chip) },
      kept: true,
      built: entry.chip,
      settle: async (ran) => {
        if (ran && !entry.tracking.wrote && agrees(readsOf(entry.tracking), req.profile)) return true;
        await this.drop(entry);
        return false;
      },
    };
  }

  /** Close every kept engine. */
  async clear(): Promise<void> {
    for (const e of [...this.entries]) await this.drop(e);
  }

  private find(req: EngineRequest): ChipEntry | undefined {
    const e = this.entries.find((e) => e.key === req.key && e.origin === req.origin && agrees(readsOf(e.tracking), req.profile));
    if (!e) return undefined;
    this.hits++;
    this.entries = [...this.entries.filter((x) => x !== e), e];
    return e;
  }

  /** The chip built on the kept mapping under a tracked copy of the profile (named as the mapping is); null: not keepable. */
  private async build(req: EngineRequest, origin: Mapping): Promise<ChipEntry | null> {
    this.misses++;
    // Before building: two paper-size chips at once may not fit where one does.
    for (const e of this.entries.slice(0, this.entries.length - KEPT_CHIPS + 1)) await this.drop(e);
    // A copy: a parsed profile is frozen, and a proxy of a frozen object must hand out the very objects it holds.
    const tracking = track({ ...structuredClone(req.profile), name: NAME_STANDIN });
    let chip: Chip;
    try {
      chip = prepareChip({ model: req.model, profile: tracking.view, mapping: origin, arithmetic: req.arithmetic }).chip;
    } catch {
      // Its message may name the profile: the point's own run fails again with the real one.
      return null;
    }
    if (tracking.wrote) return null;
    const entry: ChipEntry = { key: req.key, origin, tracking, chip, engines: new Map() };
    this.entries.push(entry);
    return entry;
  }

  private async engineOf(entry: ChipEntry, semantics: Semantics): Promise<Engine | null> {
    let engine = entry.engines.get(semantics);
    if (engine) return engine;
    if (entry.engines.size > 0 && process.memoryUsage().arrayBuffers > this.keptEngineBytes) await closeEngines(entry);
    this.started++;
    try {
      engine = await Engine.create(entry.chip, { semantics });
    } catch {
      return null;
    }
    entry.engines.set(semantics, engine);
    return engine;
  }

  private async drop(entry: ChipEntry): Promise<void> {
    this.entries = this.entries.filter((e) => e !== entry);
    await closeEngines(entry);
  }
}

async function closeEngines(entry: ChipEntry): Promise<void> {
  const engines = [...entry.engines.values()];
  entry.engines.clear();
  for (const engine of engines) await engine.close();
}

/** Prepared for this run alone, closed after it. */
async function fresh(req: EngineRequest): Promise<LentRun> {
  const { model, profile, mapping, arithmetic, semantics } = req;
  const prepared = await prepareRun({ model, profile, mapping, arithmetic, semantics });
  return {
    prepared,
    kept: false,
    built: prepared.chip,
    settle: async () => {
      await prepared.engine.close();
      return true;
    },
  };
}
