// The README's dependency rule, checked by dependency-cruiser with .dependency-cruiser.cjs: the
// project's own import graph has no violation, and a tree that breaks the rule (the gateway reading
// Kafka, a processor importing another, a cycle, a projection reading another's tables other than
// through its queries module) is caught, so the check can fail.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';

const root = fileURLToPath(new URL('../..', import.meta.url));
const depcruise = path.join(root, 'node_modules', '.bin', 'depcruise');
const config = path.join(root, '.dependency-cruiser.cjs');
// Every top-level folder with code, as the README's folder table lists them.
const FOLDERS = ['bench', 'chaos', 'cli', 'gateway', 'mlops', 'models', 'platform', 'processors', 'projections', 'proto', 'runtime', 'schemas', 'stack', 'streams'];

function cruise(cwd: string, folders: string[]): { status: number | null; output: string } {
  const run = spawnSync(depcruise, ['--config', config, '--output-type', 'err', ...folders], { cwd, encoding: 'utf8', timeout: 120_000 });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

t.test('the import graph keeps the dependency rule', async (t) => {
  for (const folder of FOLDERS) t.ok(fs.existsSync(path.join(root, folder)), `${folder}/ exists`);
  const run = cruise(root, FOLDERS);
  t.equal(run.status, 0, run.output.slice(0, 4000));
  t.match(run.output, /no dependency violations found/);
});

t.test('a tree that breaks the rule is caught', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vitrina-deprule-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const write = (file: string, text: string): void => {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), text);
  };
  fs.copyFileSync(path.join(root, 'tsconfig.json'), path.join(dir, 'tsconfig.json'));
  write('streams/topics.ts', "export const topic = 'x';\n");
  write('gateway/pipeline.ts', "import { topic } from '../streams/topics.ts';\nexport const shown = topic;\n");
  write('processors/a/a.ts', "import { b } from '../b/b.ts';\nexport const a = b;\n");
  write('processors/b/b.ts', "export const b = 1;\n");
  write('platform/one.ts', "import { two } from './two.ts';\nexport const one = (): number => two() + 1;\n");
  write('platform/two.ts', "import { one } from './one.ts';\nexport const two = (): number => one() - 1;\n");
  write('projections/products/projection.ts', "export const table = 'products';\n");
  write('projections/products/queries.ts', "import { table } from './projection.ts';\nexport const count = table.length;\n");
  write('projections/embeddings/registry.ts', "import { count } from '../products/queries.ts';\nexport const expected = count;\n");
  write('projections/embeddings/search.ts', "import { table } from '../products/projection.ts';\nexport const fallback = table;\n");
  const run = cruise(dir, ['gateway', 'processors', 'platform', 'streams', 'projections']);
  t.not(run.status, 0, 'the check fails');
  t.match(run.output, /gateway-layer: gateway\/pipeline\.ts → streams\/topics\.ts/, 'the gateway may not read Kafka');
  t.match(run.output, /processor-imports-processor: processors\/a\/a\.ts → processors\/b\/b\.ts/, 'a processor may not import another');
  t.match(run.output, /no-cycles/, 'a cycle is caught');
  t.match(run.output, /projection-reads-another-through-queries: projections\/embeddings\/search\.ts → projections\/products\/projection\.ts/, 'a projection reads another only through its queries module');
  t.notMatch(run.output, /projections\/embeddings\/registry\.ts/, 'which it may');
});
