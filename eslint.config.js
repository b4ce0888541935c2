import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'data/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-console': 'error',
    },
  },
  {
    // Promises the type checker can see: none left floating, none passed where a callback's result is ignored.
    files: ['src/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // node:test's test() and describe() return promises the runner itself awaits.
      '@typescript-eslint/no-floating-promises': ['error', {
        allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'describe', 'it', 'suite', 'before', 'after', 'beforeEach', 'afterEach'] }],
      }],
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false, properties: false } }],
    },
  },
  {
    // zod/mini comes with no messages: src/core/zod.ts sets English ones, so every schema imports zod from there.
    files: ['src/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts'],
    ignores: ['src/core/zod.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ regex: '^zod(/|$)', message: 'import * as z from src/core/zod.js' }] }] },
  },
  {
    files: ['bin/**/*.js', 'scripts/**/*.mjs', 'src/admin/ui/build.mjs'],
    languageOptions: { globals: globals.node },
  },
  {
    // The admin page's front end runs in the browser.
    files: ['src/admin/ui/**/*.js'],
    languageOptions: { globals: globals.browser },
  },
  {
    // Tests read JSON answers whose shape is what they assert.
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // The CLI writes to its terminal.
    files: ['scripts/**/*.mjs'],
    rules: { 'no-console': 'off' },
  },
);
