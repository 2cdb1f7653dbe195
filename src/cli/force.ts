// The one flag that lets a command write over what spikemesh did not write (src/io/output.ts decides when it is needed).

import { OutputExists } from '../io/output.js';

export const FORCE_FLAG = '--force';
export const FORCE_HELP = 'replace an existing output spikemesh did not write (into a folder: only its own files are replaced, the others kept)';

/** The refusal's message with the flag that overrides it. */
export function withForceHint(e: OutputExists): string {
  return `${e.message} (${FORCE_FLAG} ${e.folder ? 'writes into it and keeps its other files' : 'replaces it'})`;
}
