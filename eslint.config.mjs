// ESLint (typescript-eslint's recommended rules) over src/, scripts/ and test/. The layer rule and the cycle check
// are dependency-cruiser's (.dependency-cruiser.cjs); both run in `npm run lint`.
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'fixtures/**', 'templates/**', 'docs/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      // Kysely handles for databases whose tables we do not type, commander's parsed options: `any` is deliberate there.
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
);
