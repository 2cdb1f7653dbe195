// `spikemesh demo` (npm start): the shipped Spiking-DeepLab (digits) mapped to Loihi, a few val samples, the report and a trace.

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { UserError } from '../errors.js';
import { RANGES, withRange, YES_FLAG, YES_HELP } from './options.js';
import { executeRun, RUN_DEFAULTS } from './run.js';

/** The shipped bundle, found from the package root whether this runs from dist/ or from the TypeScript source. */
export const SHIPPED_MODEL = fileURLToPath(new URL('../../models/spiking-deeplab-digits', import.meta.url));
export const DEMO_TRACE = 'traces/demo.trace';

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description(`the quick start: run the shipped Spiking-DeepLab (digits) on loihi for a few val samples, print the report, write ${DEMO_TRACE}`)
    .option('--samples <n>', withRange('val samples to run (past the split only with --yes)', RANGES.samples), RUN_DEFAULTS.samples)
    .option('--profile <name|path>', 'core profile', 'loihi')
    .option('--trace <file>', 'where the event trace goes', DEMO_TRACE)
    .option(YES_FLAG, YES_HELP)
    .option('--json', 'machine-readable output')
    .action(async (flags: { samples: string; profile: string; trace: string; json?: boolean; yes?: boolean }) => {
      if (!existsSync(SHIPPED_MODEL))
        throw new UserError(
          `the shipped model is missing: ${SHIPPED_MODEL} (train it with train/train.py, see train/README.md, or run \`spikemesh run <checkpoint> --profile loihi --data digits\` on another bundle)`,
        );
      await executeRun(SHIPPED_MODEL, {
        ...RUN_DEFAULTS,
        profile: flags.profile,
        data: 'digits',
        samples: flags.samples,
        trace: flags.trace,
        ...(flags.json ? { json: true } : {}),
        ...(flags.yes ? { yes: true } : {}),
      });
    });
}
