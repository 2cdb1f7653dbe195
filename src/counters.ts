// The counters schema: the slot of each per-core per-step counter. The engine writes these rows, the
// trace format stores them and the TUI and the energy pricer read them, so it sits below all of them
// (not in the engine's thread protocol).

/** Slot of each per-core per-step counter in the counters block [step][core][slot]. */
export const COUNTER = {
  /** Synaptic accumulates: spike × synapse that exists (folded avgpool: the composite synapses). */
  acs: 0,
  /** Multiply-accumulates of graded values (graded sources, transposed conv and resize stages). */
  macs: 1,
  /** Updates of neurons with a non-zero input or membrane (priced as the profile's active update). */
  updatesActive: 2,
  /** Updates of idle neurons: no input, zero membrane (the profile's inactive update). */
  updatesInactive: 3,
  /** Spikes (or non-zero graded outputs) the core's neurons emitted. */
  spikes: 4,
  /** Packets sent: one per (spike, destination core) of each consumer projection. */
  packetsOut: 5,
  /** Hops of the packets sent, by link kind (X-then-Y routes of the mapping). */
  hopsEW: 6,
  hopsNS: 7,
  hopsChip: 8,
  /** Packets received (events integrated). */
  packetsIn: 9,
  /** Fixed point: membrane updates that hit the register's range. */
  saturations: 10,
} as const;

export type CounterName = keyof typeof COUNTER;
export const COUNTER_NAMES = Object.keys(COUNTER) as CounterName[];
export const COUNTER_COUNT = COUNTER_NAMES.length;
