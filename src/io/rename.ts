// The caller's key renaming: FROM=TO rules (regular expressions) applied in order to a state_dict's keys before its
// layout is recognised, so that a checkpoint from any code base can be brought to a layout spikemesh knows.

import { fileError, UserError } from '../errors.js';
import type { Tensor, WeightMap } from '../net/types.js';

/** At most this many rules: a key layout is a few module names, not a program. */
export const MAX_RENAME_RULES = 256;

export interface RenameRule {
  /** As the caller wrote it, for messages. */
  readonly text: string;
  readonly from: RegExp;
  readonly to: string;
}

const fault = (problem: string) => new UserError({ option: 'rename', problem });

/**
 * `FROM=TO`, split at the last '=' (key names hold none; a lookahead in FROM may). TO may refer to FROM's groups as $1
 * or, as Python's re.sub writes them, \1. Every match in a key is replaced, as re.sub does.
 */
export function parseRenameRule(text: string): RenameRule {
  const at = text.lastIndexOf('=');
  if (at < 0) throw fault(`'${text}' is not FROM=TO (a regular expression, '=', its replacement)`);
  const source = text.slice(0, at);
  if (source === '') throw fault(`'${text}': FROM is empty; give the part of the key names to replace`);
  let from: RegExp;
  try {
    from = new RegExp(source, 'g');
  } catch (e) {
    throw fault(`'${text}': FROM is not a regular expression (${(e as Error).message})`);
  }
  return { text, from, to: text.slice(at + 1).replace(/\\(\d)/g, '$$$1') };
}

export function parseRenameRules(texts: readonly string[]): RenameRule[] {
  if (texts.length > MAX_RENAME_RULES) throw fault(`takes at most ${MAX_RENAME_RULES} rules, got ${texts.length}`);
  return texts.map(parseRenameRule);
}

export interface Renamed {
  weights: WeightMap;
  /** Each new key's name in the file, for keys the rules changed. */
  original: Map<string, string>;
  notes: string[];
}

/**
 * Apply the rules in order to every key. A key renamed to nothing is dropped (a head or a buffer the network does not
 * have); two keys renamed to one name are refused, naming both. `path` (the file) prefixes errors.
 */
export function renameKeys(weights: WeightMap, rules: readonly RenameRule[], path: string): Renamed {
  if (rules.length === 0) return { weights, original: new Map(), notes: [] };
  const out = new Map<string, Tensor>();
  const original = new Map<string, string>();
  const used = new Set<RenameRule>();
  const dropped: string[] = [];
  for (const [key, t] of weights) {
    let name = key;
    for (const rule of rules) {
      const next = name.replace(rule.from, rule.to);
      if (next !== name) used.add(rule);
      name = next;
    }
    if (name === '') {
      dropped.push(key);
      continue;
    }
    const clash = out.has(name) ? (original.get(name) ?? name) : undefined;
    if (clash !== undefined) throw fileError(path, `the rename rules map both '${clash}' and '${key}' to '${name}'`);
    out.set(name, t);
    if (name !== key) original.set(name, key);
  }
  const notes = rules.filter((r) => !used.has(r)).map((r) => `rename rule '${r.text}' matched no key of ${path}`);
  if (dropped.length)
    notes.push(
      `renamed to nothing, so left out: ${dropped.length} tensor${dropped.length === 1 ? '' : 's'} (${dropped.slice(0, 3).join(', ')}${dropped.length > 3 ? ', …' : ''})`,
    );
  return { weights: out, original, notes };
}
