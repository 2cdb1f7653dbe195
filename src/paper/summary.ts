// The few lines `spikemesh paper` prints when it is done: where the report went and each study's headline numbers.

import type { PaperReport } from './types.js';
import { duration, pct, times } from './format.js';

/** Headline MIoUs to one decimal. */
const pct1 = (x: number | undefined) => pct(x, 1);

function tableLine(r: PaperReport, data: 'digits' | 'digits-dvs', label: string): string {
  const rows = r.tables.rows.filter((x) => x.data === data);
  return `${label}: ${rows.map((x) => (x.shipped ? `${x.method} ${pct1(x.miou)}${x.snnOverAnn ? ` (${times(x.snnOverAnn)} ANN)` : ''}` : `${x.method} not shipped`)).join(', ')}`;
}

function energyLines(r: PaperReport): string[] {
  return r.energy.models.map((m) => {
    if (!m.shipped) return `Table V ${m.model}: not shipped`;
    if (!m.comparison) return `Table V ${m.model}: fits no profile`;
    const a = m.comparison.total.annOverSnn;
    const v = m.truenorthVariant;
    const variant = v ? `, ${v.model} on truenorth ${v.run.fits ? times(v.run.annOverProfile) : 'does not fit'}` : '';
    const profiles = m.profiles!.map((p) => (p.fits ? `${p.profile} ${times(p.annOverProfile)}` : `${p.profile} does not fit`)).join(', ') + variant;
    return `Table V ${m.model}: E_ANN/E_SNN analytic ${times(a.analyticOwn)} (own rates), measured at 45 nm ${times(a.measured45nm)}; per profile ${profiles}`;
  });
}

function conversionLine(r: PaperReport): string {
  const c = r.conversion;
  if (!c.shipped) return `Fig. 3: ${c.ann} not shipped`;
  const last = (i: number) => c.curves![i]!.points[c.curves![i]!.points.length - 1]!;
  return `Fig. 3: converted at T=${last(0).timesteps}: ${c.curves!.map((curve, i) => `${curve.method}-wise ${pct1(last(i).miou)}`).join(', ')} (ANN ${pct1(c.annMiou)}${c.direct ? `, direct training ${pct1(c.direct.miou)} at T=${c.direct.timesteps}` : ''})`;
}

function noiseLine(r: PaperReport): string {
  const sigma = r.settings.sigmas[r.settings.sigmas.length - 1];
  return `Fig. 10: relative MIoU drop at σ=${sigma}: ${r.noise.curves.map((c) => (c.shipped ? `${c.model} ${pct1(c.rows![c.rows!.length - 1]!.relativeDrop)}` : `${c.model} not shipped`)).join(', ')}`;
}

function ratesLine(r: PaperReport): string {
  return `Fig. 11: mean spike rate per layer (Eq. 8): ${r.rates.curves
    .map((c) =>
      c.layers
        ? `${c.model} ${(c.layers.reduce((a, l) => a + l.rate, 0) / c.layers.length).toFixed(3)} over T=${c.timesteps}`
        : `${c.model} ${c.shipped ? 'not run' : 'not shipped'}`,
    )
    .join(', ')}`;
}

export function summary(r: PaperReport, out: string, files: readonly string[]): string {
  return [
    `report written to ${out} (${files.join(', ')}) in ${duration(r.seconds.total)}`,
    tableLine(r, 'digits', 'Table II (digits) val MIoU'),
    tableLine(r, 'digits-dvs', 'Table III (digits-dvs) val MIoU'),
    ...energyLines(r),
    conversionLine(r),
    noiseLine(r),
    ratesLine(r),
  ].join('\n');
}
