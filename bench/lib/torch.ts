// The PyTorch peer of the engine benches: bench/torch_dense.py kept running, timing one dense inference at a time on
// request, so that a bench can time it in turns with the engine (the machine's load then hits both alike) and read
// the same statistic of both.

import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Tensor } from '../../src/net/types.js';

const PYTHON = '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('../torch_dense.py', import.meta.url));

/** One timed inference. */
export interface TorchRun {
  seconds: number;
  /** The whole process's CPU time, all threads. */
  cpuSeconds: number;
}

/** A running torch_dense.py: its version and threads, one inference per run(), the argmax at close(). */
export class TorchSession {
  private constructor(
    private readonly child: ChildProcessWithoutNullStreams,
    private readonly stderr: string[],
    private readonly lines: AsyncIterator<string>,
    readonly torch: string,
    readonly threads: number,
  ) {}

  /**
   * torch_dense.py on the bundle in `dir` and these input spikes (written to `tmp`), warmed up by one inference; threads:
   * torch's default, or that many. A reason string where it cannot run (no python3, no torch, a failed start).
   */
  static async start(dir: string, spikes: Tensor, tmp: string, threads?: number): Promise<TorchSession | string> {
    const probe = spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' });
    if (probe.error) return `${PYTHON} not found`;
    if (probe.status !== 0) return `${PYTHON} has no torch (apt install python3-torch)`;
    const file = join(tmp, 'input.f32');
    writeFileSync(file, Buffer.from(spikes.data.buffer, spikes.data.byteOffset, spikes.data.byteLength));
    const env = threads ? { ...process.env, OMP_NUM_THREADS: String(threads), MKL_NUM_THREADS: String(threads) } : process.env;
    const child = spawn(PYTHON, [SCRIPT, dir, file], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    const stderr: string[] = [];
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => stderr.push(chunk));
    const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    const first = await lines.next();
    if (first.done) return `torch_dense.py failed: ${lastLine(stderr)}`;
    try {
      const head = JSON.parse(first.value) as { torch: string; threads: number };
      return new TorchSession(child, stderr, lines, head.torch, head.threads);
    } catch {
      child.kill();
      return `torch_dense.py failed: its first line is not its header (${first.value.slice(0, 80)})`;
    }
  }

  /** One timed inference. */
  async run(): Promise<TorchRun> {
    this.child.stdin.write('run\n');
    return (await this.next()) as TorchRun;
  }

  /** Ends the script; the per-pixel argmax of its last inference. */
  async close(): Promise<number[]> {
    this.child.stdin.end();
    return ((await this.next()) as { prediction: number[] }).prediction;
  }

  /** Ends the script at once, whatever it is doing (a bench that failed mid-run); nothing once it has ended. */
  stop(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill();
  }

  private async next(): Promise<unknown> {
    const line = await this.lines.next();
    if (line.done) throw new Error(`torch_dense.py stopped: ${lastLine(this.stderr)}`);
    return JSON.parse(line.value);
  }
}

const lastLine = (chunks: string[]) => chunks.join('').trim().split('\n').pop() ?? 'no message';
