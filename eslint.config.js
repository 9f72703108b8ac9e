// ESLint for the whole repository (flat config); `npm run lint` runs it with --max-warnings 0.
// Rules are here for the defects they catch. Layout is Prettier's (.prettierrc.json): no rule
// below restates formatting.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

/** What the worklist page's scripts (src/worklist/page/*.js) use from the browser. */
const BROWSER_GLOBALS = Object.fromEntries(
  [
    'window',
    'document',
    'location',
    'sessionStorage',
    'fetch',
    'URL',
    'URLSearchParams',
    'EventSource',
    'Element',
    'HTMLInputElement',
    'HTMLTextAreaElement',
    'setTimeout',
    'clearTimeout',
    'setInterval',
    'console',
  ].map((name) => [name, 'readonly']),
);

/** What the plain .mjs/.js files run by Node (CLI shim, loader hooks, worker boot, this file) use. */
const NODE_GLOBALS = Object.fromEntries(['process', 'URL', 'console', 'Buffer', 'setTimeout', 'clearTimeout'].map((name) => [name, 'readonly']));

export default defineConfig(
  {
    ignores: ['node_modules/', 'dist/', 'data/', 'test-artifacts/', '.vigil-test/', 'models/train/.work/'],
  },
  js.configs.recommended,
  // Type-aware rules (promises awaited or handled, no `any` flowing into typed code): the same
  // TypeScript program tsc checks (tsconfig.json).
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // `x != null` (null or undefined) is the one loose comparison kept: it says exactly that.
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      // The node logs through its logger (levels, JSON, no patient data), never the console.
      'no-console': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      // `cond && act()` and `cond ? a() : b()` are statements on purpose; a bare `x == y;` or `fn;` is not.
      '@typescript-eslint/no-unused-expressions': ['error', { allowShortCircuit: true, allowTernary: true }],
      // An `async` method without `await` is how this code implements a Promise-returning interface
      // (start/stop): a throw in it becomes a rejection the caller handles. Not a defect.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    // Tests read HTTP and JSON bodies that are `any` (supertest's `res.body`, parsed logs) and
    // check them with assertions: the assertion is the type check there.
    files: ['test/**/*.ts', 'plugins/**/*.test.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  {
    // Tests and benchmarks run in a terminal: a skip reason, a page error, a measurement is their output.
    files: ['test/**/*.ts'],
    rules: { 'no-console': 'off' },
  },
  // Plain JavaScript is outside tsconfig.json: no type-aware rules there.
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    extends: [tseslint.configs.disableTypeChecked],
  },
  {
    files: ['src/worklist/page/**/*.js'],
    languageOptions: { globals: BROWSER_GLOBALS },
  },
  {
    files: ['**/*.mjs', 'eslint.config.js'],
    languageOptions: { globals: NODE_GLOBALS },
  },
  // CommonJS configuration read by tools that require() it (.dependency-cruiser.cjs).
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { ...NODE_GLOBALS, module: 'writable', require: 'readonly' } },
  },
);
