// The list of subcommands; each lives in its own file under src/cli/.

import type { Command } from 'commander';

export function registerCommands(program: Command): void {
  void program;
}
