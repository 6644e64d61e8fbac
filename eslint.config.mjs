// Lint rules that catch mistakes; layout is prettier's job (.prettierrc.json), so no formatting rules here.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Node's globals that plain .mjs scripts use (TypeScript files are checked by tsc, which knows them). */
const nodeGlobals = Object.fromEntries(
  [
    'process',
    'console',
    'Buffer',
    'URL',
    'setTimeout',
    'clearTimeout',
    'setInterval',
    'clearInterval',
    'structuredClone',
  ].map((g) => [g, 'readonly']),
);

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'src/ops/kernels/assembly/**',
      'schemas/**',
      'coverage/**',
      'runs/**',
      'sweeps/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2022, sourceType: 'module', globals: nodeGlobals },
    rules: {
      // `_`-prefixed names are deliberately unused (a signature fixed by an interface, a skipped tuple slot).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
      // `cond && f()` and `c ? f() : g()` as statements are used on purpose where they read better than an if.
      '@typescript-eslint/no-unused-expressions': ['error', { allowShortCircuit: true, allowTernary: true }],
      // Error messages escape control characters, so some patterns match them on purpose.
      'no-control-regex': 'off',
      // Prettier wraps code at 120; comments must fit too. Long strings, templates and patterns are left whole,
      // since breaking a message or an expected output apart hides what it says.
      'max-len': [
        'error',
        { code: 120, ignoreStrings: true, ignoreTemplateLiterals: true, ignoreRegExpLiterals: true, ignoreUrls: true },
      ],
    },
  },
  // Tests assert exact column layouts of printed output; a run of spaces there says what it means.
  { files: ['test/**'], rules: { 'no-regex-spaces': 'off' } },
  // tsc already reports undefined names in TypeScript, with the types this rule cannot see.
  { files: ['**/*.{ts,tsx}'], rules: { 'no-undef': 'off' } },
);
