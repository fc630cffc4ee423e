// Process boundaries are enforced here: code crosses between main, preload,
// renderer and server only through protocol/.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';

const boundary = (message, groups, extraPatterns = []) => ({
  'no-restricted-imports': ['error', { patterns: [{ group: groups, message }, ...extraPatterns] }],
});

// main/ is laid out by capability; one capability uses another only through what that
// folder's index.ts exports (`../kafka`, never `../kafka/kafka-gateway`).
const capabilityIndexOnly = {
  regex: '^\\.\\./[^./][^/]*/',
  message: "Import another main/ capability through its index ('../<capability>'), not its files.",
};

export default tseslint.config(
  { ignores: ['node_modules/', 'out/', 'dist/', '.stack/', 'test-results/', 'playwright-report/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['renderer/src/**'],
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      ...boundary('The renderer reaches main and the server only through protocol/.', [
        '**/main/**',
        '**/server/**',
        '**/preload/**',
        'electron',
        'kafkajs',
        'mediasoup',
        'ws',
        'node:*',
      ]),
    },
  },
  {
    files: ['main/**'],
    rules: boundary(
      'main/ shares code with other processes only through protocol/.',
      ['**/renderer/**', '**/preload/**', '**/server/**', 'react', 'react-dom', 'react-dom/*'],
      [capabilityIndexOnly],
    ),
  },
  {
    files: ['preload/**'],
    rules: boundary('preload/ may import only electron and protocol/.', [
      '**/main/**',
      '**/renderer/**',
      '**/server/**',
    ]),
  },
  {
    files: ['server/**'],
    rules: boundary('server/ talks to the studio only through protocol/.', [
      '**/main/**',
      '**/renderer/**',
      '**/preload/**',
    ]),
  },
  {
    files: ['protocol/**'],
    rules: boundary('protocol/ is shared by every side and imports none of them.', [
      '**/main/**',
      '**/renderer/**',
      '**/preload/**',
      '**/server/**',
      'electron',
      'react',
      'kafkajs',
    ]),
  },
);
