/**
 * Which part of src/ may import which (`npm run lint:deps`, run by `npm test` before mocha).
 *
 * The layers, bottom to top. A module may import its own layer and the layers below it, never a
 * layer above; no circle at any level. A low part that must call a higher one defines a small
 * interface (a "port") that the higher part implements and the node wires in (src/node.ts).
 */
const LAYERS = [
  // Clock, errors, version, listen, statistics, seeded random, dcmjs typings: no Vigil import.
  { name: 'core', path: '^src/(core|types)/' },
  // Shared types every part may name: priority, finding, roles, header summary, resource ids.
  { name: 'domain', path: '^src/domain/' },
  { name: 'config', path: '^src/config/' },
  { name: 'log', path: '^src/log/' },
  { name: 'metrics', path: '^src/metrics/' },
  // Parsers and plumbing with no opinion about the node: DICOM data, HL7, events, the SQLite
  // index's connection and migrations, the durable job queue.
  { name: 'base', path: '^src/(dicom/data|hl7|events|db|queue)/' },
  // Across nodes on a shared PostgreSQL: the scheduler's leadership lock and the live-event relay.
  // Beside events/db/queue, after them because it carries the bus's events; nothing above.
  { name: 'cluster', path: '^src/cluster/' },
  { name: 'auth', path: '^src/auth/' },
  { name: 'audit', path: '^src/audit/' },
  { name: 'store', path: '^src/store/' },
  // Associations, PDUs, DIMSE, the SCP and SCUs, Query/Retrieve: the network's client of the store.
  { name: 'dicom-net', path: '^src/dicom/net/' },
  { name: 'series', path: '^src/series/' },
  { name: 'rules', path: '^src/rules/' },
  { name: 'triage', path: '^src/triage/' },
  { name: 'alerts', path: '^src/alerts/' },
  { name: 'worklist', path: '^src/worklist/' },
  { name: 'plugins', path: '^src/plugins/' },
  { name: 'api', path: '^src/api/' },
  // The composition root (node.ts), the index's schema lists of every part beside it (node-schema.ts), the CLI.
  { name: 'entry', path: '^src/(node(-schema)?\\.ts$|cli/)' },
  // Developer tools (phantom, demo): never in the node, never in the image.
  { name: 'tools', path: '^src/tools/' },
];

/**
 * The upward imports allowed, each named with its reason; a file listed here may import upward
 * only what its entry names.
 * - cli/main.ts registers the developer tools' commands when src/tools is there (a checkout; the
 *   image has no tools), by an optional import of src/tools/commands.ts.
 */
const EXCEPTIONS = [{ layer: 'entry', from: '^src/cli/main\\.ts$', to: '^src/tools/commands\\.ts$' }];

const layerIndex = (name) => LAYERS.findIndex((l) => l.name === name);

const above = (name) => LAYERS.slice(layerIndex(name) + 1).map((l) => l.path);

const upward = LAYERS.slice(0, -1).map((layer, i) => ({
  name: `layer-${layer.name}-imports-upward`,
  comment: `${layer.name} may import only itself and the layers below it (${LAYERS.slice(0, i)
    .map((l) => l.name)
    .join(', ')}); see .dependency-cruiser.cjs`,
  severity: 'error',
  from: { path: layer.path, pathNot: EXCEPTIONS.map((e) => e.from) },
  to: { path: above(layer.name) },
}));

const exceptionRules = EXCEPTIONS.map((e) => ({
  name: `layer-${e.layer}-imports-upward`,
  comment: `an exception (see EXCEPTIONS): ${e.from} may import upward only ${e.to}`,
  severity: 'error',
  from: { path: e.from },
  to: { path: above(e.layer), pathNot: e.to },
}));

/** Folders of src/ that no layer names: a new folder must be placed in LAYERS first. */
const everyLayer = LAYERS.map((l) => l.path);

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'no circle of imports, between files or (through them) between folders',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-circular-folders',
      comment: 'no circle between folders either (a folder imports files of another that imports back)',
      severity: 'error',
      scope: 'folder',
      from: {},
      to: { circular: true },
    },
    ...upward,
    ...exceptionRules,
    {
      name: 'node-never-reaches-tools',
      comment: 'the node (src/node.ts and everything it imports) never imports src/tools: the image ships no tools',
      severity: 'error',
      from: { path: '^src/node\\.ts$' },
      to: { path: '^src/tools/', reachable: true },
    },
    {
      name: 'only-the-cli-entry-loads-tools',
      comment: 'outside src/tools, only src/cli/main.ts names src/tools (an optional import: the image has no tools)',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/tools/', '^src/cli/main\\.ts$'] },
      to: { path: '^src/tools/' },
    },
    {
      name: 'src-never-imports-tests',
      comment: 'src/ never imports test/',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^test/' },
    },
    {
      name: 'plugins-import-only-the-sdk',
      comment: 'a plugin imports only the SDK (vigil/sdk, src/plugins/sdk.ts) of the node, never its internals',
      severity: 'error',
      from: { path: '^plugins/' },
      to: { path: '^src/', pathNot: '^src/plugins/sdk\\.ts$' },
    },
    {
      name: 'the-sdk-names-no-internals',
      comment: 'the SDK exports its own types (sdk-types.ts imports nothing); sdk.ts adds only the route guards and the hook vocabulary',
      severity: 'error',
      from: { path: '^src/plugins/sdk(-types)?\\.ts$' },
      to: { path: '^src/', pathNot: '^src/plugins/(sdk-types|route-guards|hooks)\\.ts$' },
    },
    {
      name: 'cluster-imports-only-what-it-carries',
      comment:
        'src/cluster/ carries events and sessions over PostgreSQL: it imports core, domain, config, log, events and db, never the DICOM, HL7, queue or metrics parts of the layers below',
      severity: 'error',
      from: { path: '^src/cluster/' },
      to: { path: '^src/(dicom|hl7|queue|metrics)/' },
    },
    {
      name: 'every-src-folder-has-a-layer',
      comment: 'each module of src/ is in one of the layers of .dependency-cruiser.cjs',
      severity: 'error',
      from: { path: '^src/', pathNot: everyLayer },
      to: {},
    },
  ],
  options: {
    // plugins' tests use test helpers; what matters there is that plugin code reaches only the SDK.
    exclude: { path: ['node_modules', '\\.test\\.ts$', '^plugins/[^/]+/test/'] },
    doNotFollow: { path: 'node_modules' },
    // Type-only imports are dependencies too: a layer must not even name a higher one's types.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.mts', '.js', '.mjs', '.cjs', '.d.ts'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
