// `vitrina bench pipeline` runs end to end on a small fixture dataset with the tiny model (its
// numbers mean nothing; the real figures come from the bundled base model): the command exits 0 and
// writes a results file whose figures agree with each other, every stage finished in order, every
// process was measured, nothing reached the stack's own catalog and the namespace was removed.
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { createRuntime } from '../../runtime/runtime.ts';
import { makeDataset } from './fixtures.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));

interface PipelineResult {
  model: string;
  products: number;
  seconds: number;
  productsPerSecond: number;
  encoderProductsPerSecond: number;
  ratioToEncoder: number;
  stageSeconds: Record<string, number | null>;
  encoder: { texts: number; images: number };
  cpuSeconds: Record<string, number>;
  peakRssMiB: Record<string, number>;
  namespace: string;
  loadAverage1m: number[];
}

function run(args: string[]): Promise<{ code: number | null; out: string }> {
  const child = spawn(process.execPath, [path.join(root, 'bin', 'vitrina.js'), ...args], { cwd: root, env: { ...process.env, VITRINA_TINY_MODELS: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 240_000);
  return new Promise((resolve) => child.once('exit', (code) => (clearTimeout(timer), resolve({ code, out }))));
}

t.test('bench pipeline: the dataset through every stage on a namespace of its own, next to the bare encoder', async (t) => {
  const data = await makeDataset(12);
  t.teardown(() => fs.rmSync(data.dir, { recursive: true, force: true }));
  const name = `pipeline-test-${crypto.randomBytes(4).toString('hex')}`;
  const file = path.join(root, 'bench', 'results', `${name}.json`);
  t.teardown(() => fs.rmSync(file, { force: true }));

  const { code, out } = await run(['bench', 'pipeline', '--dataset', data.dir, '--model', 'tiny', '--name', name, '--timeout', '180']);
  t.equal(code, 0, `the command succeeds${code === 0 ? '' : `: ${out.slice(-2000)}`}`);
  const r = JSON.parse(fs.readFileSync(file, 'utf8')) as PipelineResult;

  t.equal(r.model, 'tiny');
  t.equal(r.products, data.goodIds.length, 'every valid row went through (the rows without a usable image are rejected by ingest)');
  t.ok(r.seconds > 0 && r.productsPerSecond > 0 && r.encoderProductsPerSecond > 0, 'positive rates');
  t.ok(Math.abs(r.productsPerSecond - r.products / r.seconds) <= 0.1, 'products/s is the products over the seconds');
  t.ok(Math.abs(r.ratioToEncoder - r.productsPerSecond / r.encoderProductsPerSecond) < 0.01, 'the ratio is the two rates over each other');
  t.equal(r.encoder.texts, r.products, 'the encoder embedded the name of every product');
  t.equal(r.encoder.images, r.products, 'and its image');

  const s = r.stageSeconds;
  for (const stage of ['ingest', 'productsProjection', 'embedder', 'embeddingsProjectionRows', 'embeddingsLive']) t.ok(typeof s[stage] === 'number' && s[stage]! > 0, `${stage} finished after a positive time`);
  t.ok(s.productsProjection! <= s.embeddingsLive! && s.embedder! <= s.embeddingsProjectionRows! && s.embeddingsProjectionRows! <= s.embeddingsLive!, 'the stages finished in pipeline order');
  t.ok(s.ingest! <= s.embeddingsLive! + 0.5, 'ingest ended before the version went live');

  for (const proc of ['ingest', 'model server', 'projector.products', 'embedder', 'projector.embeddings']) {
    t.ok(r.peakRssMiB[proc]! > 30 && r.peakRssMiB[proc]! < 4096, `${proc}: a plausible peak RSS (${r.peakRssMiB[proc]} MiB)`);
    t.ok(r.cpuSeconds[proc]! >= 0, `${proc}: CPU seconds measured`);
  }
  t.ok(r.cpuSeconds.embedder! > 0 && r.cpuSeconds.ingest! > 0, 'the embedder and ingest did work');
  t.ok(r.loadAverage1m.length >= 3, 'the load average is recorded along the run');

  // The stack's own catalog never saw these products, and the namespace is gone.
  const rt = createRuntime('test-bench-pipeline');
  t.teardown(() => rt.close());
  const { rows } = await rt.db.query<{ n: string }>('SELECT count(*) AS n FROM products WHERE id = ANY($1::int[])', [data.goodIds]).catch(() => ({ rows: [{ n: '0' }] }));
  t.equal(Number(rows[0]!.n), 0, "no product of the benchmark is in the stack's products projection");
  const admin = rt.kafka.admin();
  await admin.connect();
  const leftTopics = (await admin.listTopics()).filter((topic) => topic.includes(r.namespace));
  const leftGroups = (await admin.listGroups()).groups.filter((g) => g.groupId.includes(r.namespace));
  await admin.disconnect();
  t.same(leftTopics, [], 'its topics are deleted');
  t.same(leftGroups, [], 'its consumer groups are deleted');
  const hex = r.namespace.replace('bench-', '');
  const schemas = await rt.db.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [`vitrina_bench_${hex}`]);
  t.equal(schemas.rows.length, 0, 'its schema is dropped');
  const buckets = (await rt.s3.listBuckets()).map((b) => b.name).filter((b) => b.includes(r.namespace));
  t.same(buckets, [], 'its bucket is removed');
});
