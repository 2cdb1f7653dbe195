// `top --live`: run the engine sample by sample in this process and feed every step into an in-memory trace the UI watches.

import { InThreadBackend } from '../engine/backend.js';
import { WorkerBackend } from '../engine/backend-workers.js';
import { buildChip } from '../engine/chip.js';
import type { ComputeTask, EngineBackend } from '../engine/protocol.js';
import type { ReportSample } from '../engine/report.js';
import { Engine } from '../engine/run.js';
import type { Arithmetic, Semantics } from '../engine/types.js';
import { quantize } from '../hw/quantize.js';
import type { CoreProfile } from '../hw/types.js';
import { mapNetwork } from '../mapping/map.js';
import type { Model } from '../net/types.js';
import { TraceData } from '../trace/data.js';
import { traceHeader } from '../trace/header.js';
import { StepTracer } from '../trace/tracer.js';

export interface LiveOptions {
  model: Model;
  profile: CoreProfile;
  semantics: Semantics;
  arithmetic: Arithmetic;
  /** 0: compute on this thread (yielding between phases so keys and redraws get through); N: worker threads. */
  workers: number;
  samples: number;
  sample: (index: number) => ReportSample;
  seed: number;
}

/** Thrown from the step callback to end a run the user stopped (not a failure). */
class Stopped extends Error {}

/** The in-thread backend, giving the event loop a turn before every phase so the UI stays responsive. */
class YieldingBackend extends InThreadBackend {
  override async compute(task: ComputeTask): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve));
    return super.compute(task);
  }
}

export class LiveRun {
  private readonly listeners = new Set<() => void>();
  private sampleNow = 0;
  private failure: string | null = null;
  private stopped = false;
  /** Settles when the run has ended (done, failed or stopped). */
  readonly finished: Promise<void>;

  private constructor(
    readonly data: TraceData,
    private readonly engine: Engine,
    private readonly tracer: StepTracer,
    private readonly o: LiveOptions,
  ) {
    this.finished = this.loop();
  }

  /** Map, build the chip, start the engine; the samples then run in the background. */
  static async start(o: LiveOptions): Promise<LiveRun> {
    const weightShapes = new Map([...o.model.weights].map(([k, t]) => [k, t.shape]));
    const mapping = mapNetwork({ network: o.model.network, weightShapes }, o.profile);
    const chip = buildChip({ model: o.model, mapping, profile: o.profile, arithmetic: o.arithmetic, ...(o.arithmetic === 'fixed' ? { qnet: quantize(o.model, o.profile) } : {}) });
    const backend: EngineBackend = o.workers > 0 ? new WorkerBackend(o.workers) : new YieldingBackend();
    const engine = await Engine.create(chip, { semantics: o.semantics, backend });
    const header = traceHeader({ model: o.model, mapping, chip, seed: o.seed, samples: o.samples, steps: engine.steps, semantics: engine.semantics });
    const data = new TraceData(header);
    const tracer = new StepTracer(header, chip.neuronOffset, { step: (r) => data.push(r) });
    return new LiveRun(data, engine, tracer, o);
  }

  /** Call `fn` after every step and when the run ends; returns the unsubscribe. */
  subscribe(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** One line on where the run is. */
  status(): string {
    if (this.failure) return `run failed: ${this.failure}`;
    if (this.data.complete) return `run done: ${this.o.samples} sample${this.o.samples === 1 ? '' : 's'}`;
    if (this.stopped) return 'stopping';
    return `running sample ${this.sampleNow + 1}/${this.o.samples}`;
  }

  /** Stop at the end of the step being computed; resolves when the engine is closed. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.finished;
  }

  private notify(): void {
    for (const fn of this.listeners) fn();
  }

  private async loop(): Promise<void> {
    try {
      for (let i = 0; i < this.o.samples && !this.stopped; i++) {
        this.sampleNow = i;
        const s = this.o.sample(i);
        await this.engine.run(s.input, {
          seed: s.seed,
          onStep: (step, st, host) => {
            if (this.stopped) throw new Stopped();
            this.tracer.record(i, step, st, host);
            this.notify();
          },
        });
      }
      this.data.complete = !this.stopped;
    } catch (e) {
      if (!(e instanceof Stopped)) this.failure = e instanceof Error ? e.message : String(e);
    } finally {
      await this.engine.close();
      this.notify();
    }
  }
}
