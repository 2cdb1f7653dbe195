// ESLint: typescript-eslint's recommended rules over the sources, tests and benchmarks (npm run lint).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'native/build/**',
      'src/engine/scatter-wasm.ts',
      // AssemblyScript, not TypeScript: its @inline decorators on functions are not valid TS.
      'assembly/scatter.ts',
      'train/**',
      'bench/.cache/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      // `_name` marks a value deliberately left unused (a destructured field dropped, an interface argument).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      // `a ?? (b = c)` and `cond ? f() : g()` as statements are the house style for lazy initialisation.
      '@typescript-eslint/no-unused-expressions': ['error', { allowShortCircuit: true, allowTernary: true }],
    },
  },
);
