/**
 * The layers of src/, enforced (npm run lint): each imports only itself and the layers below it, and no module
 * imports itself back through others (no cycles, type-only imports included).
 *
 *   cli.ts -> commands -> apply | verify -> plan -> read -> db -> model -> core
 */
const layers = [
  ['core', []],
  ['model', ['core']],
  ['db', ['model', 'core']],
  ['read', ['db', 'model', 'core']],
  ['plan', ['read', 'db', 'model', 'core']],
  ['apply', ['plan', 'read', 'db', 'model', 'core']],
  ['verify', ['read', 'db', 'model', 'core']],
  ['commands', ['apply', 'verify', 'plan', 'read', 'db', 'model', 'core']],
];

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'a module imports itself back through others',
      from: {},
      to: { circular: true },
    },
    ...layers.map(([layer, below]) => ({
      name: `layer-${layer}`,
      severity: 'error',
      comment: `src/${layer} imports only ${below.length ? below.map((b) => `src/${b}`).join(', ') : 'itself'} (and packages)`,
      from: { path: `^src/${layer}/` },
      to: { path: '^src/', pathNot: [`^src/${layer}/`, ...below.map((b) => `^src/${b}/`)] },
    })),
    {
      name: 'only-cli-is-top',
      severity: 'error',
      comment: 'nothing imports the command line',
      from: { path: '^src/' },
      to: { path: '^src/cli\\.ts$' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '^(test|dist|node_modules)/' },
  },
};
