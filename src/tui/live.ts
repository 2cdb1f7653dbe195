// `top --live`: run the engine sample by sample in this process and feed every step into an in-memory trace the UI watches.

import { InThreadBackend } from '../engine/backend.js';
import { flagWording, SpikemeshError } from '../errors.js';
import type { ComputeTask } from '../engine/protocol.js';
import type { Engine } from '../engine/run.js';
import type { Arithmetic, Semantics } from '../engine/types.js';
import type { CoreProfile } from '../hw/types.js';
import type { Mapping } from '../mapping/types.js';
import type { Model } from '../net/types.js';
import { prepareRun } from '../runs/prepare.js';
import { runSamples } from '../runs/runner.js';
import type { SampleSource } from '../runs/samples.js';
import { TraceData } from '../trace/data.js';
import { traceHeader } from '../trace/header.js';
import { StepTracer } from '../trace/tracer.js';
import { chipLinks } from '../engine/timing.js';

export interface LiveOptions {
  model: Model;
  profile: CoreProfile;
  semantics: Semantics;
  arithmetic: Arithmetic;
  /** 0: compute on this thread (yielding between phases so keys and redraws get through); N: worker threads. */
  workers: number;
  samples: number;
  sample: SampleSource;
  seed: number;
  /** A mapping to run on (checked against the model and profile); default: map the network now. */
  mapping?: Mapping;
}

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
    const { mapping, chip, engine } = await prepareRun({ ...o, inThread: () => new YieldingBackend() });
    const header = traceHeader({ model: o.model, mapping, chip, seed: o.seed, samples: o.samples, steps: engine.steps, semantics: engine.semantics });
    const data = new TraceData(header);
    const tracer = new StepTracer(header, chip.neuronOffset, { step: (r) => data.push(r), latencies: (l) => data.latencies(l) }, chipLinks(chip));
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
      const { o, tracer } = this;
      await runSamples({
        engine: this.engine,
        samples: o.samples,
        sample: o.sample,
        trace: (i, step, st, host, packets) => tracer.record(i, step, st, host, packets),
        onSample: (i) => (this.sampleNow = i),
        onProgress: () => this.notify(),
        onResult: (_i, _s, r) => {
          tracer.sampleDone(r.latency.perStepNs);
          this.notify();
        },
        stopped: () => this.stopped,
      });
      this.data.complete = !this.stopped;
    } catch (e) {
      // Shown to the person at the terminal, so an option at fault is named by its flag, as the CLI does.
      this.failure = e instanceof SpikemeshError ? flagWording(e) : e instanceof Error ? e.message : String(e);
    } finally {
      await this.engine.close();
      this.notify();
    }
  }
}
