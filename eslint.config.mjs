// ESLint: the recommended JavaScript and typescript-eslint rules (syntax-only: type-aware rules
// would type-check every workspace again, which `tsc --build` already does), plus a complexity limit.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const node = { require: 'readonly', module: 'writable', __dirname: 'readonly', process: 'readonly', console: 'readonly' };

export default tseslint.config(
  { ignores: ['**/dist/', '**/node_modules/', '.cache/', 'network/runtime/', 'bench/results/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      complexity: ['error', 15],
      // `_` names a value left out on purpose (a destructured field dropped from a copy, an unused parameter).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
    },
  },
  {
    // Tests read answers of any shape (`res.body.items`); typing every answer there would only add casts.
    files: ['test/**/*.ts', '**/*.test.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // Over the limit (16-20) when the limit came; each is one request/answer decision table, to be split
    // when next reworked (several are being reworked in other branches now): a higher ceiling, not a pass.
    files: [
      'device-sdk/src/audit/proof-bundle.ts',
      'cli/src/connection.ts',
      'cli/src/http/gateway-client.ts',
      'gateway-app/src/auth.ts',
      'gateway-app/src/http/openapi.ts',
      'gateway-app/src/http/route.ts',
      'test/support/network.ts',
    ],
    rules: { complexity: ['error', 20] },
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: node },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
