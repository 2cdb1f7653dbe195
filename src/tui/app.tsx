// The ink component: keys become actions on the reducer, a timer plays, a live run pushes steps; every render is frame(scene).

import { Box, render, Text, useApp, useInput, useStdout } from 'ink';
import { useEffect, useMemo, useReducer, useRef, useState } from 'react';
import { UserError } from '../errors.js';
import type { TraceData } from '../trace/data.js';
import { frame } from './frame.js';
import { keyAction } from './keys.js';
import { screenLayout } from './layout.js';
import type { LiveRun } from './live.js';
import { MetricCache } from './metrics.js';
import { makeScene } from './scene.js';
import { initialState, reduce, type Context } from './state.js';
import { SPEEDS, type Action, type Line, type Size, type TopState } from './types.js';

export interface TopProps {
  data: TraceData;
  /** What the title names: the trace's path, or the live checkpoint. */
  source: string;
  live?: LiveRun;
  /** Terminal size when stdout does not say (tests). */
  size?: Size;
}

/** Redraws at most this often: ink merges the updates in between (a whole frame at once, so nothing flickers). */
export const MAX_FPS = 20;

function StyledLine({ line }: { line: Line }) {
  return (
    <Text wrap="truncate">
      {line.map((s, j) => (
        <Text key={j} color={s.color} inverse={s.inverse} bold={s.bold} dimColor={s.dim}>
          {s.text}
        </Text>
      ))}
    </Text>
  );
}

function useTerminalSize(fallback: Size): Size {
  const { stdout } = useStdout();
  const read = (): Size => ({ cols: stdout.columns || fallback.cols, rows: stdout.rows || fallback.rows });
  const [size, setSize] = useState(read);
  useEffect(() => {
    const onResize = () => setSize(read());
    stdout.on('resize', onResize);
    return () => {
      stdout.off('resize', onResize);
    };
  }, [stdout]);
  return size;
}

export function TopApp({ data, source, live, size: fallback = { cols: 80, rows: 24 } }: TopProps) {
  const { exit } = useApp();
  const size = useTerminalSize(fallback);
  const metrics = useMemo(() => new MetricCache(data), [data]);
  const layout = useMemo(() => screenLayout(data.header, size), [data, size]);
  // The reducer reads the layout and data of the latest render (the grid changes with the terminal size).
  const ctx = useRef<Context>({ data, grid: layout.grid, metrics });
  ctx.current = { data, grid: layout.grid, metrics };
  const [state, dispatch] = useReducer(
    (s: TopState, a: Action) => reduce(s, a, ctx.current),
    undefined,
    () => initialState(data, metrics, live !== undefined),
  );
  const [, redraw] = useState(0);

  // Read through a ref: a key can arrive before ink re-subscribes this handler after a render.
  const current = useRef(state);
  current.current = state;
  useInput((input, key) => {
    const a = keyAction(input, key);
    const help = current.current.help;
    if (a?.type === 'quit' && !help) exit();
    else if (a) dispatch(a);
    else if (help) dispatch({ type: 'help' });
  });

  useEffect(() => {
    if (!state.playing) return;
    const timer = setInterval(() => dispatch({ type: 'tick' }), 1000 / SPEEDS[state.speed]!);
    return () => clearInterval(timer);
  }, [state.playing, state.speed]);

  useEffect(() => {
    if (!live) return;
    return live.subscribe(() => {
      redraw((n) => n + 1);
      dispatch({ type: 'data' });
    });
  }, [live]);

  const view = frame(makeScene(data, state, layout, metrics, source, live?.status() ?? null));
  return (
    <Box flexDirection="column">
      {view.lines.map((line, i) => (
        <StyledLine key={i} line={line} />
      ))}
    </Box>
  );
}

/** Run the UI full-screen (the terminal's alternate screen) until the user quits. */
export async function runTop(props: TopProps): Promise<void> {
  if (!process.stdin.isTTY || !process.stdout.isTTY)
    throw new UserError('spikemesh top needs an interactive terminal (stdin and stdout must be a TTY); for plain text use `spikemesh trace stats`');
  process.stdout.write('\x1b[?1049h\x1b[H');
  try {
    const app = render(<TopApp {...props} />, { maxFps: MAX_FPS, patchConsole: false });
    await app.waitUntilExit();
  } finally {
    process.stdout.write('\x1b[?1049l');
  }
}
