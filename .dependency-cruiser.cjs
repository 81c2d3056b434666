// The dependency rule of README.md ("Folders and the dependency rule"), as code: each top-level
// folder may import only the folders listed for it; a processor never imports another processor;
// no import cycles between files. `npm test` runs it (test/unit/dependency-rule.test.ts), so a
// wrong import fails CI. The same table is the README's; change both together.
'use strict';

/** folder → the project folders it may import (besides itself and npm packages). */
const LAYERS = {
  schemas: [],
  platform: [],
  streams: ['platform', 'schemas'],
  proto: ['platform'],
  models: ['proto', 'streams', 'platform', 'schemas'],
  projections: ['streams', 'platform', 'schemas'],
  mlops: ['models', 'projections', 'proto', 'streams', 'platform', 'schemas'],
  processors: ['mlops', 'models', 'projections', 'proto', 'streams', 'platform', 'schemas'],
  gateway: ['projections', 'proto', 'platform', 'schemas'],
  stack: ['streams', 'platform', 'schemas'],
  runtime: ['processors', 'mlops', 'models', 'projections', 'proto', 'streams', 'platform', 'schemas'],
  bench: ['runtime', 'gateway', 'processors', 'mlops', 'models', 'projections', 'proto', 'streams', 'stack', 'platform', 'schemas'],
  chaos: ['bench', 'runtime', 'gateway', 'processors', 'mlops', 'models', 'projections', 'proto', 'streams', 'stack', 'platform', 'schemas'],
  cli: ['chaos', 'bench', 'runtime', 'gateway', 'processors', 'mlops', 'models', 'projections', 'proto', 'streams', 'stack', 'platform', 'schemas'],
};

const FOLDERS = Object.keys(LAYERS);

const folderRules = FOLDERS.map((folder) => {
  const forbidden = FOLDERS.filter((other) => other !== folder && !LAYERS[folder].includes(other));
  return {
    name: `${folder}-layer`,
    comment: `${folder}/ may import ${LAYERS[folder].join(', ') || 'nothing of the project'} (README: the dependency rule)`,
    severity: 'error',
    from: { path: `^${folder}/` },
    to: { path: `^(${forbidden.join('|')})/` },
  };
}).filter((rule) => !rule.to.path.startsWith('^()'));

module.exports = {

  forbidden: [
    ...folderRules,
    {
      name: 'processor-imports-processor',
      comment: 'a processor never imports another processor; shared parts live in mlops/, streams/ or platform/',
      severity: 'error',
      from: { path: '^processors/([^/]+)/' },
      to: { path: '^processors/', pathNot: '^processors/$1/' },
    },
    {
      name: 'projection-reads-another-through-queries',
      comment: "a projection reads another projection only through that one's queries module (projections/<name>/queries.ts), so the dependency shows",
      severity: 'error',
      from: { path: '^projections/([^/]+)/' },
      to: { path: '^projections/[^/]+/', pathNot: '^projections/($1/|[^/]+/queries[.]ts$)' },
    },
    {
      name: 'no-cycles',
      comment: 'imports form no cycle',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|test|\\.tap)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.json'] },
  },
};
