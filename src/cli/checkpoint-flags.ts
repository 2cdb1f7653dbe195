// The flags of every command that loads a checkpoint: the architecture flags, --rename (bring any state_dict's keys to a
// known layout) and --print-layout (every name and shape the network expects, against the file, then exit).

import { CommanderError, type Command } from 'commander';
import { UserError } from '../errors.js';
import { checkpointLayout, loadAnyModel, loadModel, type LayoutReport, type LoadedModel, type NirImportOptions } from '../io/index.js';
import { buildNetwork, defaultSpec } from '../net/zoo.js';
import { table } from './format.js';
import { ARCH_FLAG_HELP, archOverride, type ArchFlags } from './options.js';

const RENAME_HELP =
  "rename the checkpoint's keys before its layout is matched: FROM is a regular expression, every match in a key is replaced by TO ($1 or \\1 for a group; an empty result leaves the tensor out); repeat for more rules, applied in order";
const PRINT_LAYOUT_HELP = 'print every weight name and shape the network expects (with what the checkpoint holds under each name, after --rename) and exit';

const collect = (value: string, previous: string[] | undefined) => [...(previous ?? []), value];

/** The architecture flags, --rename and --print-layout, on a command whose first argument is a checkpoint. */
export function addCheckpointFlags(cmd: Command): Command {
  for (const [flag, help] of ARCH_FLAG_HELP) cmd.option(flag, help);
  return (
    cmd
      .option('--rename <FROM=TO>', RENAME_HELP, collect)
      .option('--print-layout', PRINT_LAYOUT_HELP)
      // Listing a layout runs nothing, so what a run requires (--profile, --out) is not required then; options are parsed
      // before commander checks the required ones, so this is the moment to say so.
      .on('option:print-layout', () => {
        for (const o of cmd.options) o.mandatory = false;
      })
      .hook('preAction', (_command, action) => {
        const flags = action.opts<ArchFlags>();
        if (!flags.printLayout) return;
        process.stdout.write(`${layoutText(action.args[0], flags)}\n`);
        // Commander's own way to end a command early and successfully, as --help does: main exits 0.
        throw new CommanderError(0, 'spikemesh.printLayout', '');
      })
  );
}

/** Write what loading had to say (a re-timed BNTT, tensors left out, an unused rename rule) to stderr. */
function tell(loaded: LoadedModel): LoadedModel {
  for (const note of loaded.notes ?? []) process.stderr.write(`note: ${note}\n`);
  return loaded;
}

/** loadModel with the command's architecture flags and rename rules. */
export function loadCheckpoint(path: string, flags: ArchFlags): LoadedModel {
  return tell(loadModel(path, archOverride(flags), { rename: flags.rename }));
}

/** loadAnyModel (NIR graphs too) with the command's architecture flags and rename rules. */
export async function loadAnyCheckpoint(path: string, flags: ArchFlags, nir: NirImportOptions = {}): Promise<LoadedModel> {
  return tell(await loadAnyModel(path, archOverride(flags), nir, { rename: flags.rename }));
}

const dims = (shape: readonly number[]) => `[${shape.join(',')}]`;

function status(e: LayoutReport['entries'][number]): string {
  const from = e.from ? ` (${e.from} in the file)` : '';
  if (!e.found) return 'missing';
  return dims(e.found) === dims(e.shape) ? `ok${from}` : `shape ${dims(e.found)}${from}`;
}

function renderLayout(path: string, r: LayoutReport): string {
  const missing = r.entries.filter((e) => !e.found).length;
  const lines = [
    `${r.description}: ${r.entries.length} weight tensors (${path}: ${r.layout} layout, ${r.entries.length - missing} of them present, ${r.unused.length} tensors unused)`,
    '',
    table(r.entries, [
      { header: 'name', value: (e) => e.key },
      { header: 'shape', value: (e) => dims(e.shape), align: 'left' },
      { header: 'in the file', value: status, align: 'left' },
    ]),
  ];
  if (r.unused.length) lines.push('', 'in the file, not used by this network:', ...r.unused.map((u) => `  ${u.key} ${dims(u.shape)}`));
  for (const note of r.notes) lines.push(`note: ${note}`);
  return lines.join('\n');
}

/** The layout of a checkpoint, or of the zoo network the flags describe when there is none (info). */
function layoutText(path: string | undefined, flags: ArchFlags): string {
  const override = archOverride(flags);
  if (path !== undefined) return renderLayout(path, checkpointLayout(path, override, { rename: flags.rename }));
  if (!override.arch) throw new UserError('--print-layout: give a checkpoint, or --arch to list a zoo network');
  const zoo = buildNetwork(defaultSpec({ ...override, arch: override.arch }));
  return table(
    [...zoo.weightShapes],
    [
      { header: 'name', value: ([k]) => k },
      { header: 'shape', value: ([, s]) => dims(s), align: 'left' },
    ],
  );
}
