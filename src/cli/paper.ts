// `spikemesh paper`: regenerate the paper's tables and figures from the shipped models into a report folder.

import type { Command } from 'commander';
import { checkOut, paperJson, paperSettings, reportFiles, runStudies, shippedSources, summary, writeReportFolder } from '../paper/index.js';
import { FORCE_FLAG, FORCE_HELP } from './force.js';
import { parseIntFlag, RANGES, withRange } from './options.js';

interface PaperFlags {
  models: string;
  out: string;
  samples?: string;
  quick?: boolean;
  json?: boolean;
  force?: boolean;
  queue?: string;
}

async function executePaper(flags: PaperFlags): Promise<void> {
  const settings = paperSettings({
    quick: flags.quick ?? false,
    ...(flags.samples !== undefined ? { samples: parseIntFlag('--samples', flags.samples, RANGES.paperSamples) } : {}),
  });
  checkOut(flags.out, flags.force);
  const sources = shippedSources(flags.models, settings.dataSeed, process.stderr);
  const command = ['spikemesh', ...process.argv.slice(2)].join(' ');
  const report = await runStudies({ settings, sources, ...(flags.queue !== undefined ? { queue: flags.queue } : {}) }, command);
  const files = await reportFiles(report);
  writeReportFolder(flags.out, files, flags.force);
  process.stdout.write(flags.json ? `${paperJson(report)}\n` : `${summary(report, flags.out, [...files.keys()])}\n`);
}

export function registerPaper(program: Command): void {
  program
    .command('paper')
    .description(
      "regenerate the paper's Tables II/III/V and Figs. 3/10/11 from the shipped models: a Markdown report with SVG figures and paper.json, each number with the command that reproduces it",
    )
    .option(
      '--models <dir>',
      'folder of the shipped bundles ({spiking-deeplab,deeplab-ann,spiking-fcn,fcn-ann}-{digits,digits-dvs}; missing ones are reported as not shipped)',
      'models',
    )
    .option('--out <dir>', 'report folder (README.md, paper.json, fig*.svg), replaced as a whole when it is new or one spikemesh wrote', 'report')
    .option(FORCE_FLAG, FORCE_HELP)
    .option(
      '--samples <n>',
      withRange(
        'val samples per evaluation (Tables II/III, Fig. 10; default 200: about 10 minutes); caps the engine runs (16) and the conversion (12)',
        RANGES.paperSamples,
      ),
    )
    .option('--quick', 'a few samples and timesteps (seconds, for tests and a first look)')
    .option('--json', 'print paper.json to stdout instead of the summary')
    .option(
      '--queue <url>',
      'run the evaluations and engine runs on the workers of this Redis (spikemesh worker --queue <url>); the conversion study runs here: redis://[:password@]host:port[/db] or rediss://…',
    )
    .action((flags: PaperFlags) => executePaper(flags));
}
