// @ts-check
import js from '@eslint/js';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

/**
 * Folder boundaries (docs/architecture.md, "Layout and boundaries"). Each entry: the folder it covers, the project
 * folders it may not import from (resolved paths, so `../../lib/x` and `../lib/x` are the same import), the
 * exceptions, and the packages it may not import. The reason is the lint message.
 */
const CDK_PACKAGES = ['aws-cdk-lib', 'aws-cdk-lib/*', 'constructs', 'cdk-nag'];
export const BOUNDARIES = [
  {
    target: 'lib',
    forbidden: ['cli', 'sandbox', 'tools', 'lambdas', 'contracts', 'test'],
    why: 'lib/ holds the constructs; the CLI, the sandbox and the tools build on it, not the reverse. Shared vocabulary lives in registry/.',
  },
  {
    target: 'lambdas',
    forbidden: ['lib', 'cli', 'sandbox', 'tools', 'contracts', 'test', 'bin'],
    packages: CDK_PACKAGES,
    why: 'Handlers run in Lambda: no CDK, constructs, CLI, sandbox or tools code in the bundle. Shared vocabulary lives in registry/.',
  },
  {
    target: 'cli',
    forbidden: ['lib', 'sandbox', 'tools', 'contracts', 'test', 'bin', 'lambdas'],
    except: { lambdas: ['trace/trace-query.ts'] },
    packages: CDK_PACKAGES,
    why: 'lsync talks to AWS APIs and reads the index through the trace read model (lambdas/trace/trace-query.ts), nothing else of the handlers or constructs.',
  },
  {
    target: 'registry',
    forbidden: ['lib', 'cli', 'sandbox', 'tools', 'contracts', 'test', 'bin', 'lambdas'],
    except: { lambdas: ['shared/generated/canonical-types.ts'] },
    packages: [...CDK_PACKAGES, '@aws-sdk/*'],
    why: 'registry/ is plain data and pure functions for constructs, handlers, CLI and sandbox alike: it depends on nothing but the generated canonical types.',
  },
  {
    target: 'sandbox',
    forbidden: ['cli', 'tools', 'test', 'lambdas'],
    except: { lambdas: ['trace/trace-query.ts', 'shared/fleet-external-ids.ts'] },
    why: 'The sandbox runs the handlers from their built assets, as Lambda would; it shares only the trace read model and the fleet external-id convention.',
  },
  {
    target: 'contracts',
    forbidden: ['lib', 'cli', 'sandbox', 'tools', 'test', 'bin'],
    why: 'The vendor contracts and their probes stand on their own; the CLI, sandbox and tools use them.',
  },
  {
    target: 'tools',
    forbidden: ['cli', 'sandbox', 'test', 'bin'],
    why: 'The generators and reports read schemas, contracts and the registry; they do not run the CLI or the sandbox.',
  },
  {
    target: 'schemas',
    forbidden: ['lib', 'cli', 'sandbox', 'tools', 'test', 'bin', 'lambdas', 'contracts', 'registry'],
    why: 'Schemas and their tooling depend on nothing else in the project.',
  },
];

export default tseslint.config(
  { ignores: ['node_modules/', 'cdk.out/', '.venv/', '.sandbox/', 'coverage/', '**/generated/**', '**/.tmp*/**', 'bench/.out/**', '.bench/', '.lsync-scratch/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/ban-ts-comment': ['error', { 'ts-expect-error': 'allow-with-description', 'ts-nocheck': true, 'ts-ignore': true }],
      'no-restricted-syntax': [
        'error',
        { selector: "CallExpression[callee.object.name=/^(it|test|describe)$/][callee.property.name=/^(only|skip)$/]", message: 'No focused or skipped tests in the tree.' },
      ],
    },
  },
  {
    files: ['**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.js', '.json'] })],
      'import-x/extensions': ['.ts', '.js'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
    },
    rules: { 'import-x/no-cycle': ['error', { ignoreExternal: true }] },
  },
  {
    files: ['**/*.ts'],
    rules: {
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: BOUNDARIES.flatMap(({ target, forbidden, except = {}, why }) =>
            forbidden.map((from) => ({ target: `./${target}`, from: `./${from}`, except: (except[from] ?? []).map((path) => `./${path}`), message: why })),
          ),
        },
      ],
    },
  },
  ...BOUNDARIES.filter(({ packages }) => packages).map(({ target, packages, why }) => ({
    files: [`${target}/**/*.ts`],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns: [{ group: packages, message: why }] }] },
  })),
);
