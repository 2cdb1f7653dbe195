// The report as Markdown: a section per study with its table, figure, settings, run time and the commands that reproduce it.

import { AC_ENERGY_45NM_PJ, MAC_ENERGY_45NM_PJ } from '../energy/analytic.js';
import { duration, energy, nanoseconds, ops, pct, times, width } from './format.js';
import type {
  ConversionResult,
  EnergyModelResult,
  NoiseResult,
  PaperReport,
  ProfileRefusal,
  ProfileRun,
  RatesResult,
  TableRow,
  TablesResult,
} from './types.js';

/** Figure files, by study; a study without data has no figure. */
export const FIGURE_FILES = { conversion: 'fig3-conversion.svg', noise: 'fig10-noise.svg', rates: 'fig11-rates.svg' } as const;
export type FigureName = keyof typeof FIGURE_FILES;

function table(headers: string[], rows: string[][]): string {
  const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  return [`| ${headers.join(' | ')} |`, `|${headers.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`)].join('\n');
}

function commands(lines: readonly string[]): string {
  return ['Reproduce:', '', '```sh', ...lines, '```'].join('\n');
}

function header(r: PaperReport): string {
  const m = r.generated.machine;
  const s = r.settings;
  return [
    "# The paper's studies, reproduced with spikemesh",
    '',
    'Kim, Chough & Panda, "Beyond Classification: Directly Training Spiking Neural Networks for Semantic Segmentation": Tables II, III and V, Figs. 3, 10 and 11, measured on the shipped models. ' +
      "The data sets are stand-ins (`digits` for VOC 2012, `digits-dvs` for DDD17) and the networks are narrower than the paper's, so the paper's values are not set beside ours; ratios (SNN/ANN, E_ANN/E_SNN) are what compare.",
    '',
    `- generated: ${r.generated.date} by \`${r.generated.command}\``,
    `- commit: ${r.generated.commit ?? 'unknown (not a git checkout)'}`,
    `- machine: ${m.cpus} × ${m.cpuModel}, ${m.memoryGiB.toFixed(0)} GiB, Node ${m.node} on ${m.platform}; load average ${m.loadAverage.toFixed(2)} at the start`,
    `- settings${s.quick ? ' (--quick)' : ''}: ${s.samples} val samples per evaluation, ${s.energySamples} per engine run, ${s.conversionSamples} per converted network (calibrated on ${s.calibrationSamples} training samples); encoder seed ${s.seed}, data seed ${s.dataSeed}`,
    `- run time: ${duration(r.seconds.total)} in all — Tables II/III ${duration(r.seconds.tables)}, Table V ${duration(r.seconds.energy)}, Fig. 3 ${duration(r.seconds.conversion)}, Fig. 10 ${duration(r.seconds.noise)}, Fig. 11 ${duration(r.seconds.rates)}`,
    '- every number is also in `paper.json`',
  ].join('\n');
}

function tableRow(r: TableRow): string[] {
  if (!r.shipped) return [`\`${r.model}\``, 'not shipped', '', '', '', '', '', '', ''];
  const diff =
    r.differencePoints === null || r.differencePoints === undefined
      ? '—'
      : `${r.differencePoints >= 0 ? '+' : '−'}${Math.abs(r.differencePoints).toFixed(2)} pt`;
  const trainer = r.trainerMiou === null || r.trainerMiou === undefined ? '—' : `${pct(r.trainerMiou)}${r.trainerSamples ? ` (${r.trainerSamples})` : ''}`;
  return [
    `\`${r.model}\``,
    r.network!,
    width(r.width!),
    String(r.timesteps),
    pct(r.miou),
    pct(r.pixelAccuracy),
    trainer,
    diff,
    r.snnOverAnn === undefined ? '' : times(r.snnOverAnn),
  ];
}

function tablesSection(t: TablesResult, r: PaperReport): string {
  const parts = ['## Tables II and III — MIoU of the ANN twins, Spiking-DeepLab and Spiking-FCN', ''];
  for (const [data, title] of [
    ['digits', 'Table II analogue (`digits`, static images, Poisson-coded for the SNNs)'],
    ['digits-dvs', 'Table III analogue (`digits-dvs`, event frames)'],
  ] as const) {
    const rows = t.rows.filter((x) => x.data === data);
    parts.push(
      `### ${title}`,
      '',
      table(['bundle', 'network', 'width', 'T', 'val MIoU', 'pixel acc.', 'trainer val MIoU (samples)', 'difference', 'SNN/ANN MIoU'], rows.map(tableRow)),
      '',
    );
    const cmds = rows.flatMap((x) => (x.command ? [x.command] : []));
    if (cmds.length) parts.push(commands(cmds), '');
  }
  parts.push(
    `Measured now with the evaluator (reference simulator) on val samples 0..${r.settings.samples - 1}, encoder seed ${r.settings.seed}, data seed ${r.settings.dataSeed}. ` +
      "The trainer's val MIoU comes from model.json (its own sample count in brackets, its own Poisson draws): a difference is partly the sample set, partly the draws. " +
      "SNN/ANN = the spiking network's MIoU / its ANN twin's, both measured here on the same samples.",
  );
  return parts.join('\n');
}

function profileRow(p: ProfileRun | ProfileRefusal): string[] {
  if (!p.fits) return [`${p.profile}: does not fit`, '—', '—', p.reason];
  const e = p.energy;
  const share = (v: number) => pct(e.totalPJ > 0 ? v / e.totalPJ : 0, 0);
  return [
    `${p.profile} profile (${p.cores} cores, ${p.chips} chip${p.chips === 1 ? '' : 's'})`,
    energy(e.totalPJ),
    times(p.annOverProfile),
    `synaptic ${share(e.synapticPJ)}, neuron ${share(e.neuronPJ)}, routing ${share(e.routingPJ)}, static ${share(e.staticPJ)}; latency ${p.latencyNs > 0 ? nanoseconds(p.latencyNs) : 'not modelled'}`,
  ];
}

/** The TrueNorth-trained variant's row; its E_ANN is its own (grouped) network's FLOPs model. */
function variantRow(v: NonNullable<EnergyModelResult['truenorthVariant']>): string[] {
  const [first, ...rest] = profileRow(v.run);
  return [`TrueNorth-trained \`${v.model}\` on ${first}`, ...rest];
}

function energyModel(m: EnergyModelResult): string {
  const head = `### ${m.method === 'spiking-deeplab' ? 'Spiking-DeepLab' : 'Spiking-FCN'} (\`${m.model}\`)`;
  if (!m.shipped) return `${head}\n\nnot shipped`;
  const profiles = m.profiles!;
  const variant = m.truenorthVariant ? [variantRow(m.truenorthVariant)] : [];
  const cmds = [...profiles, ...(m.truenorthVariant ? [m.truenorthVariant.run] : [])].flatMap((p) => (p.fits ? [p.command] : []));
  if (!m.comparison)
    return [
      head,
      '',
      table(['E_SNN from', 'E_SNN', 'E_ANN/E_SNN', 'detail'], [...profiles.map(profileRow), ...variant]),
      '',
      'It fits none of the profiles.',
    ].join('\n');
  const t = m.comparison.total;
  const rows = [
    ["analytic: Eq. 10 with each layer's own rate (the paper)", energy(t.snnEnergyPJ.own), times(t.annOverSnn.analyticOwn), ''],
    ["analytic: Eq. 10 with the rate of the layer's input", energy(t.snnEnergyPJ.input), times(t.annOverSnn.analyticInput), 'what drives ACs'],
    [
      `measured ACs and MACs at 45 nm (${m.comparisonProfile} run)`,
      energy(t.measured45nmPJ),
      times(t.annOverSnn.measured45nm),
      `${ops(t.measuredAcs)} ACs, ${ops(t.measuredMacs)} MACs`,
    ],
    ...profiles.map(profileRow),
    ...variant,
  ];
  const layers = m.layers!.map((l) => {
    const c = m.comparison!.layers.find((x) => x.population === l.population)!;
    return [l.population, c.spikeRate.toFixed(3), ops(l.analyticAcs), ops(l.measuredAcs), times(l.ratio), times(l.geometryRatio), l.why];
  });
  return [
    head,
    '',
    `E_ANN = FLOPs_ANN × ${m.comparison.energies.macPJ} pJ = ${energy(t.annEnergyPJ)} per inference (${ops(t.annFlops)} FLOPs, Eq. 9/11); E_SNN per inference over T=${m.timesteps}, means over ${m.samples} val samples.`,
    '',
    table(['E_SNN from', 'E_SNN', 'E_ANN/E_SNN', 'detail'], rows),
    '',
    m.countsAgree
      ? "Every profile's run measured the same ACs and MACs (the mapping does not change what is computed); the profiles differ in what they charge for it."
      : "Note: the profiles' runs measured different ACs/MACs; the 45 nm row is the first profile's.",
    ...(m.truenorthVariant
      ? [
          '',
          'The TrueNorth-trained row is another network (grouped convolutions within 256 axons, trinary weights, one BNTT for all steps: ' +
            'docs/truenorth.md): its E_ANN is its own FLOPs model, and its operations are not those of the rows above. ' +
            'A TrueNorth neuron reaches one core, so the mapper places a copy of a neuron for each further core that reads it; ' +
            "its energy includes the copies' synaptic events (each core's events × its neurons placed / its neurons).",
        ]
      : []),
    '',
    "Per layer, Eq. 10 with the input rate (the like-for-like count: input spikes × synapses) against the engine's exact count:",
    '',
    table(['layer', 'rate (Eq. 8)', 'Eq. 10 ACs', 'measured ACs', 'measured / Eq. 10', 'even spikes', 'by how much and why'], layers),
    '',
    commands(cmds),
  ].join('\n');
}

function energySection(r: PaperReport): string {
  return [
    '## Table V — E_ANN / E_SNN, analytic and measured',
    '',
    `45 nm energies: MAC ${MAC_ENERGY_45NM_PJ} pJ, AC ${AC_ENERGY_45NM_PJ} pJ (paper Table IV). Analytic: E_ANN = Σ FLOPs_ANN·E_MAC, E_SNN = Σ FLOPs_ANN·Rs·E_AC (Eq. 8-12), Rs measured in the same engine run. ` +
      "Measured: the engine's exact operation counts (borders, padding, stride, dilation and folded pooling included), priced at 45 nm and by each hardware profile (which adds neuron updates, routing and static energy the FLOPs model leaves out). " +
      "E_ANN/E_SNN for a profile sets the ANN's 45 nm FLOPs energy against the profile's whole energy of the SNN inference.",
    '',
    ...r.energy.models.map(energyModel).flatMap((s) => [s, '']),
  ].join('\n');
}

function figure(name: FigureName, present: boolean, alt: string): string {
  return present ? `![${alt}](${FIGURE_FILES[name]})` : '_No figure: the models it needs are not shipped._';
}

function conversionSection(c: ConversionResult, r: PaperReport, hasFigure: boolean): string {
  const head = '## Fig. 3 — ANN→SNN conversion against timesteps';
  if (!c.shipped) return `${head}\n\n\`${c.ann}\` not shipped.`;
  const s = r.settings;
  const rows = s.timesteps.map((T, k) => [String(T), ...c.curves!.map((curve) => pct(curve.points[k]!.miou))]);
  return [
    head,
    '',
    figure('conversion', hasFigure, 'Fig. 3'),
    '',
    table(['T', ...c.curves!.map((curve) => `${curve.method}-wise MIoU`)], rows),
    '',
    `\`${c.ann}\` converted (BatchNorm folded, IF neurons with soft reset, thresholds balanced to the ${s.percentile === 100 ? 'maximum' : `${s.percentile}th percentile of the positive`} activation of each layer or channel on ${s.calibrationSamples} training samples), ` +
      `${s.conversionEncoding} input, evaluated on val samples 0..${c.samples! - 1}. One run of ${s.timesteps[s.timesteps.length - 1]} steps per sample; the point at T is the readout m/T after T steps, which is what a run of T steps gives. ` +
      `On the same samples: the ANN ${pct(c.annMiou)}${c.direct ? `, the directly trained Spiking-DeepLab ${pct(c.direct.miou)} at T=${c.direct.timesteps}` : ' (Spiking-DeepLab not shipped)'}.`,
    '',
    commands(c.commands!),
  ].join('\n');
}

function noiseSection(n: NoiseResult, hasFigure: boolean): string {
  const shipped = n.curves.filter((c) => c.shipped);
  const rows = shipped.length
    ? shipped[0]!.rows!.map((row, k) => [String(row.sigma), ...shipped.flatMap((c) => [pct(c.rows![k]!.miou), pct(c.rows![k]!.relativeDrop, 1)])])
    : [];
  return [
    '## Fig. 10 — robustness to Gaussian input noise',
    '',
    figure('noise', hasFigure, 'Fig. 10'),
    '',
    ...n.curves.filter((c) => !c.shipped).map((c) => `\`${c.model}\` not shipped.\n`),
    shipped.length ? table(['σ', ...shipped.flatMap((c) => [`${c.model} MIoU`, 'relative drop'])], rows) : '',
    '',
    `Noise σ·N(0,1) added to the normalised input (before Poisson coding for the SNN), ${n.samples} val samples; relative drop = (MIoU at σ=0 − MIoU at σ) / MIoU at σ=0. ` +
      "The σ=0 row is Table II's evaluation (same samples and seeds), not run twice.",
    '',
    commands(shipped.map((c) => c.command!)),
  ].join('\n');
}

function ratesSection(r: RatesResult, e: PaperReport['energy'], hasFigure: boolean): string {
  const parts = ['## Fig. 11 — spike rate per layer', '', figure('rates', hasFigure, 'Fig. 11'), ''];
  for (const c of r.curves) {
    if (!c.layers) {
      parts.push(`\`${c.model}\` ${c.shipped ? 'fits no profile: no engine run' : 'not shipped'}.`, '');
      continue;
    }
    const run = e.models.find((m) => m.model === c.model)!.profiles!.find((p): p is ProfileRun => p.fits && p.profile === c.profile)!;
    parts.push(
      `\`${c.model}\` (T=${c.timesteps}), from Table V's ${c.profile} run:`,
      '',
      table(
        ['layer', 'neurons', 'rate (Eq. 8)', 'per step'],
        c.layers.map((l) => [l.layer, String(l.neurons), l.rate.toFixed(3), l.ratePerStep.toFixed(4)]),
      ),
      '',
      commands([run.command]),
      '',
    );
  }
  return parts.join('\n');
}

/** The whole README.md of the report folder; `figures` says which figure files exist. */
export function renderMarkdown(r: PaperReport, figures: ReadonlySet<FigureName>): string {
  return [
    header(r),
    tablesSection(r.tables, r),
    energySection(r),
    conversionSection(r.conversion, r, figures.has('conversion')),
    noiseSection(r.noise, figures.has('noise')),
    ratesSection(r.rates, r.energy, figures.has('rates')),
  ]
    .join('\n\n')
    .replace(/\n{3,}/g, '\n\n')
    .concat('\n');
}
