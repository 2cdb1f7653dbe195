// The list of subcommands; each lives in its own file under src/cli/.

import type { Command } from 'commander';
import { registerDataCommands } from './data.js';
import { registerConvert } from './convert.js';
import { registerInfer } from './infer.js';
import { registerInfo } from './info.js';
import { registerMap } from './map.js';
import { registerEval } from './eval.js';
import { registerZoo } from './zoo.js';
import { registerQuantize } from './quantize.js';
import { registerRun } from './run.js';
import { registerDemo } from './demo.js';
import { registerExportNir } from './nir.js';
import { registerTrace } from './trace.js';
import { registerTop } from './top.js';
import { registerExplore } from './explore.js';
import { registerConvertAnn } from './convert-ann.js';
import { registerPaper } from './paper.js';
import { registerWorker } from './worker.js';

export function registerCommands(program: Command): void {
  registerInfo(program);
  registerConvert(program);
  registerInfer(program);
  registerDataCommands(program);
  registerMap(program);
  registerEval(program);
  registerZoo(program);
  registerQuantize(program);
  registerRun(program);
  registerDemo(program);
  registerExportNir(program);
  registerTrace(program);
  registerTop(program);
  registerExplore(program);
  registerConvertAnn(program);
  registerPaper(program);
  registerWorker(program);
}
