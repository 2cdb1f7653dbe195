// The report folder is written under the output discipline (src/io/output.ts): staged and swapped in whole when the
// folder is new or spikemesh's own; a folder of the user's files is never replaced.

import { checkOutputFolder, writeOutputFolder, type OutputRules } from '../io/output.js';

const report = (force: boolean): OutputRules => ({ what: 'report', force });

/** Refuse an output folder that cannot be written, or that holds other files, before any study runs. */
export function checkOut(out: string, force = false): void {
  checkOutputFolder(out, report(force));
}

/** Write the folder `out` with exactly these files (name → content); a failure leaves the old report as it was. */
export function writeReportFolder(out: string, files: ReadonlyMap<string, string>, force = false): void {
  writeOutputFolder(out, files, report(force));
}
