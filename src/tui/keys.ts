// The key bindings, written down once: they drive input handling, the `?` pane and the README's key list.

import type { Action } from './types.js';

/** The subset of ink's Key this UI reads. */
export interface KeyInfo {
  upArrow?: boolean;
  downArrow?: boolean;
  leftArrow?: boolean;
  rightArrow?: boolean;
  home?: boolean;
  end?: boolean;
  tab?: boolean;
  shift?: boolean;
  escape?: boolean;
  ctrl?: boolean;
}

/** A typed character, or a named key: left right up down home end tab shift-tab escape ctrl-c. */
type Trigger = string;

export interface Binding {
  /** How the help shows the keys. */
  keys: string;
  does: string;
  triggers: Array<[Trigger, Action]>;
}

export const BINDINGS: readonly Binding[] = [
  {
    keys: '← → ↑ ↓  h l k j',
    does: 'select a core on the grid',
    triggers: [
      ['left', { type: 'move', dir: 'left' }],
      ['h', { type: 'move', dir: 'left' }],
      ['right', { type: 'move', dir: 'right' }],
      ['l', { type: 'move', dir: 'right' }],
      ['up', { type: 'move', dir: 'up' }],
      ['k', { type: 'move', dir: 'up' }],
      ['down', { type: 'move', dir: 'down' }],
      ['j', { type: 'move', dir: 'down' }],
    ],
  },
  {
    keys: '.  ,',
    does: 'next / previous step',
    triggers: [
      ['.', { type: 'step', by: 1 }],
      [',', { type: 'step', by: -1 }],
    ],
  },
  {
    keys: '>  <',
    does: '10 steps on / back',
    triggers: [
      ['>', { type: 'step', by: 10 }],
      ['<', { type: 'step', by: -10 }],
    ],
  },
  {
    keys: 'g  G',
    does: 'first / last step (also Home End)',
    triggers: [
      ['g', { type: 'first' }],
      ['home', { type: 'first' }],
      ['G', { type: 'last' }],
      ['end', { type: 'last' }],
    ],
  },
  { keys: 'space', does: 'play / pause', triggers: [[' ', { type: 'play' }]] },
  {
    keys: '+  -',
    does: 'faster / slower playback',
    triggers: [
      ['+', { type: 'speed', by: 1 }],
      ['=', { type: 'speed', by: 1 }],
      ['-', { type: 'speed', by: -1 }],
    ],
  },
  { keys: 'm', does: 'metric: spikes ACs energy utilisation', triggers: [['m', { type: 'metric' }]] },
  { keys: 'a', does: 'heat of this step / the whole run', triggers: [['a', { type: 'span' }]] },
  { keys: 't', does: 'layer letters instead of heat', triggers: [['t', { type: 'layers' }]] },
  { keys: 'n', does: "link heat: each router's busiest link; the core's links", triggers: [['n', { type: 'links' }]] },
  { keys: 'H', does: 'jump to the hottest core', triggers: [['H', { type: 'hottest' }]] },
  {
    keys: 'Tab  Shift-Tab',
    does: "next / previous layer's hottest",
    triggers: [
      ['tab', { type: 'layer', by: 1 }],
      ['shift-tab', { type: 'layer', by: -1 }],
    ],
  },
  { keys: '?', does: 'this help (any key closes it)', triggers: [['?', { type: 'help' }]] },
  {
    keys: 'q  Esc',
    does: 'quit',
    triggers: [
      ['q', { type: 'quit' }],
      ['escape', { type: 'quit' }],
      ['ctrl-c', { type: 'quit' }],
    ],
  },
];

function trigger(input: string, key: KeyInfo): Trigger {
  if (key.leftArrow) return 'left';
  if (key.rightArrow) return 'right';
  if (key.upArrow) return 'up';
  if (key.downArrow) return 'down';
  if (key.home) return 'home';
  if (key.end) return 'end';
  if (key.tab) return key.shift ? 'shift-tab' : 'tab';
  if (key.escape) return 'escape';
  if (key.ctrl && input === 'c') return 'ctrl-c';
  return input;
}

/** The action a key press asks for, or null for keys the UI does not use. */
export function keyAction(input: string, key: KeyInfo): Action | null {
  const t = trigger(input, key);
  for (const b of BINDINGS) for (const [k, a] of b.triggers) if (k === t) return a;
  return null;
}

/** The one-line reminder under the panes. */
export const KEY_HINT = '←↑↓→ core  , . step  space play  m metric  n links  H hottest  ? keys  q quit';
