// ESLint flat config. The layering rule of DESIGN.md is enforced here: src/core and src/adapters never import
// `vscode`, and the container / Jupyter / Kubernetes client libraries appear only in src/adapters. So is the one
// command boundary: every command of src/features is registered through commandBoundary.ts.
import tseslint from 'typescript-eslint';

const clientLibraries = ['dockerode', '@jupyterlab/services', '@kubernetes/client-node', 'tar-fs', 'ws'];

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'out/**', '**/*.js', '**/*.mjs', '**/*.cjs', 'test/fixtures/**'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
      eqeqeq: ['error', 'smart'],
      curly: ['error', 'multi-line'],
    },
  },
  {
    files: ['src/**/*.ts'],
    rules: { 'no-console': 'error' },
  },
  {
    files: ['src/core/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      'no-restricted-imports': ['error', { paths: ['vscode', ...clientLibraries].map((name) => ({ name, message: 'src/core is pure: no vscode and no client libraries (use a port implemented in src/adapters).' })) }],
    },
  },
  {
    files: ['src/adapters/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [{ name: 'vscode', message: 'src/adapters must run in plain Node: no vscode.' }] }],
    },
  },
  {
    files: ['src/features/**/*.ts', 'src/extension.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: clientLibraries.map((name) => ({ name, message: 'Client libraries belong in src/adapters.' })) }],
      // One command boundary with one error policy (log the stack, show the message once, silent on cancellation).
      'no-restricted-syntax': [
        'error',
        { selector: "MemberExpression[object.property.name='commands'][property.name='registerCommand']", message: 'Register commands with registerCommand from src/features/commandBoundary.ts.' },
      ],
    },
  },
  {
    files: ['src/features/commandBoundary.ts'],
    rules: { 'no-restricted-syntax': 'off' },
  },
);
