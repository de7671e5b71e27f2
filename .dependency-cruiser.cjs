/**
 * keygraph's layering, checked by `npm run lint:deps` (part of `npm test`):
 * - lib/ is the application; collectors/ are the sources (collectors/types.ts Source, registry collectors/index.ts).
 *   lib/ reaches collectors/ only through the CLI wiring (lib/cli/), so a source is one folder plus one registration
 *   line; everything else reads provider and kind facts from the model (lib/graph/model.ts).
 * - lib/graph is the model (kinds, ids, records): it imports nothing from the layers built on it.
 * Test files are harnesses that wire the layers together and are exempt from the first rule only.
 */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'lib-not-collectors',
      severity: 'error',
      comment: 'lib/ (and app/) must not import collectors/ except the CLI wiring (lib/cli/): route source-specific code through the Source contract.',
      from: { path: '^(lib|app)/', pathNot: ['^lib/cli/', '\\.test\\.ts$'] },
      to: { path: '^collectors/' },
    },
    {
      name: 'graph-is-the-model',
      severity: 'error',
      comment: 'lib/graph is the model only: it must not import the store, analysis, UI, CLI, API, exports or the app.',
      from: { path: '^lib/graph/' },
      to: { path: ['^lib/(store|analysis|ui|cli|api|export)/', '^app/', '^collectors/'] },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'An import that resolves to nothing (a module moved without its importers).',
      from: { path: '^(lib|app|collectors)/' },
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: ['node_modules'] },
    exclude: { path: ['^node_modules', '^\\.next', '^lib/generated/'] },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'], extensions: ['.ts', '.tsx', '.js', '.mjs', '.cjs', '.json'] },
    cache: false,
  },
};
