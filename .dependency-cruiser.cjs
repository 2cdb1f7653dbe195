// dependency-cruiser: the layer order of src/ (docs/ARCHITECTURE.md) and no import cycles. `npm run depcheck`.
// Each stage may import the layers below it, never one above: a stage importing upward fails CI.

/** Bottom to top; folders on one line are one layer (they may import each other, but not in a cycle). */
const LAYERS = [
  ['errors.ts', 'units.ts', 'rng.ts', 'counters.ts'],
  ['net'],
  ['geometry', 'io'],
  ['data', 'hw'],
  ['reference', 'mapping', 'energy'],
  ['engine', 'eval'],
  ['trace'],
  ['runs'],
  ['convert', 'explore', 'tui'],
  ['paper', 'cluster'],
  ['cli'],
];

const path = (names) => `^src/(${names.map((n) => n.replace('.', '\\.')).join('|')})($|/)`;

const upward = LAYERS.slice(0, -1).map((layer, i) => ({
  name: `no-upward-from-${layer.join('-').replace(/\.ts/g, '')}`,
  comment: `${layer.join(', ')} may import only lower layers; it must not import ${LAYERS.slice(i + 1)
    .flat()
    .join(', ')}`,
  severity: 'error',
  from: { path: path(layer) },
  to: { path: path(LAYERS.slice(i + 1).flat()) },
}));

module.exports = {
  forbidden: [
    { name: 'no-circular', comment: 'import cycles make a layer impossible to read or test on its own', severity: 'error', from: {}, to: { circular: true } },
    ...upward,
    {
      name: 'not-to-test-or-bench',
      comment: 'src/ must not depend on tests or benchmarks',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(test|bench)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|dist)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.tsx', '.js'] },
  },
};
