// The channel read rule of a stage: a weighted stage mixes the channels of each group; avgpool and resize keep them.

/**
 * 'keep': output channel c reads input channel c. 'groups': output channel c reads the input channels of its
 * group, [g·cinPerGroup, (g+1)·cinPerGroup) with g = ⌊c / coutPerGroup⌋ (a transposed conv is one group).
 */
export type ChannelRule = { op: 'keep' } | { op: 'groups'; cinPerGroup: number; coutPerGroup: number };

/** Input channels [lo, hi) that output channels [outLo, outHi) (not empty) read. */
export function inputChannels(r: ChannelRule, outLo: number, outHi: number): [number, number] {
  if (r.op === 'keep') return [outLo, outHi];
  return [Math.floor(outLo / r.coutPerGroup) * r.cinPerGroup, (Math.floor((outHi - 1) / r.coutPerGroup) + 1) * r.cinPerGroup];
}

/** Output channels within [lo, hi) that input channel ci feeds (empty: hi ≤ lo). */
export function outputChannels(r: ChannelRule, ci: number, lo: number, hi: number): [number, number] {
  if (r.op === 'keep') return [Math.max(lo, ci), Math.min(hi, ci + 1)];
  const g = Math.floor(ci / r.cinPerGroup);
  return [Math.max(lo, g * r.coutPerGroup), Math.min(hi, (g + 1) * r.coutPerGroup)];
}
