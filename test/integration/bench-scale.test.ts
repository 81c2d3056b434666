// `bench scale`'s synthetic products (bench/scale-data.ts) keep the clusters of the rows they are
// mixed from: on four well-separated articleType clusters of 16-d vectors, every synthetic vector's
// nearest source row shares its articleType, the vectors are unit length and are mixtures (not
// copies), and the seeded load gives the same first rows at every size. And the benchmark's
// namespace (its own schema) is removed when the work fails, kept only when asked.
import crypto from 'node:crypto';
import pg from 'pg';
import t from 'tap';
import type { BenchNamespace } from '../../bench/namespace.ts';
import { inScaleNamespace } from '../../bench/scale.ts';
import { loadSynthetic, prepareSource } from '../../bench/scale-data.ts';
import { seededUnitVectors } from '../../bench/random-vectors.ts';
import type { DbClient } from '../../projections/db.ts';
import { createVersionTable } from '../../projections/embeddings/schema.ts';
import { vectorLiteral } from '../../projections/embeddings/vectors.ts';
import { createRuntime } from '../../runtime/runtime.ts';

const DIM = 16;
const TYPES = ['Axis0', 'Axis1', 'Axis2', 'Axis3'];
const PER_TYPE = 40;

const schemaExists = async (c: pg.Client, schema: string): Promise<boolean> =>
  (await c.query(`SELECT 1 FROM pg_namespace WHERE nspname = $1`, [schema])).rows.length > 0;

t.test("synthetic products keep their source's articleType clusters", async (t) => {
  const rt = createRuntime('test-bench-scale');
  t.teardown(() => rt.close());
  const schema = `probe_scale_${crypto.randomBytes(4).toString('hex')}`;
  const client = new pg.Client({ connectionString: rt.config.databaseUrl, options: `-c search_path=${schema},public` });
  await client.connect();
  t.teardown(async () => {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
    await client.end();
  });
  await client.query(`CREATE SCHEMA ${schema}`);
  const c = client as unknown as DbClient;
  await createVersionTable(c, 'src', 1, DIM);
  // Type i's rows lie around axis i: normalise(e_i + 0.3 · a random unit vector).
  const noise = seededUnitVectors(TYPES.length * PER_TYPE, DIM, 'bench-scale-test');
  const ids: number[] = [];
  const types: string[] = [];
  const vectors: string[] = [];
  for (const [i, type] of TYPES.entries()) {
    for (let j = 0; j < PER_TYPE; j += 1) {
      const v = noise[i * PER_TYPE + j]!.map((x, d) => (d === i ? 1 : 0) + 0.3 * x);
      const norm = Math.hypot(...v);
      ids.push(i * 1000 + j);
      types.push(type);
      vectors.push(vectorLiteral(v.map((x) => x / norm)));
    }
  }
  await client.query(
    `INSERT INTO src_g1 (product_id, display_name, gender, article_type, embedded_at, image_embedding, text_embedding)
     SELECT id, type || ' product ' || id, 'Men', type, now(), v::vector, v::vector FROM unnest($1::int[], $2::text[], $3::text[]) AS u(id, type, v)`,
    [ids, types, vectors],
  );
  t.equal(await prepareSource(c, `${schema}.src_g1`, DIM), TYPES.length * PER_TYPE, 'every source row with both vectors is a source');
  await createVersionTable(c, 'big', 1, DIM);
  await createVersionTable(c, 'small', 1, DIM);
  await loadSynthetic(c, 'big_g1', 500, DIM, { chunk: 200 });
  await loadSynthetic(c, 'small_g1', 150, DIM, { chunk: 200 });

  const { rows } = await client.query<{ product_id: number; article_type: string; nearest_type: string; nearest_distance: number; norm: number; text_equals_image: boolean }>(
    `SELECT s.product_id, s.article_type, n.article_type AS nearest_type, n.d AS nearest_distance, vector_norm(s.image_embedding) AS norm,
            s.text_embedding = s.image_embedding AS text_equals_image
     FROM big_g1 s CROSS JOIN LATERAL (
       SELECT r.article_type, r.image_embedding <=> s.image_embedding AS d FROM src_g1 r ORDER BY d LIMIT 1
     ) n ORDER BY s.product_id`,
  );
  t.equal(rows.length, 500, 'the synthetic table holds the rows asked for');
  t.same(rows.map((r) => r.product_id), Array.from({ length: 500 }, (_, i) => i + 1), 'numbered 1..n');
  t.equal(rows.filter((r) => r.nearest_type === r.article_type).length, 500, "every synthetic vector's nearest source row shares its articleType");
  t.same([...new Set(rows.map((r) => r.article_type))].sort(), TYPES, 'every articleType of the source appears');
  t.ok(rows.every((r) => Math.abs(r.norm - 1) < 1e-4), 'the vectors are unit length');
  t.ok(rows.filter((r) => r.nearest_distance > 1e-4).length >= 490, 'the vectors are mixtures, not copies of a source row');
  t.ok(rows.every((r) => r.text_equals_image), 'both columns mix the same rows with the same weights (the source has equal columns)');

  const prefix = await client.query<{ same: number }>(
    `SELECT count(*)::int AS same FROM small_g1 s JOIN big_g1 b USING (product_id)
     WHERE s.image_embedding = b.image_embedding AND s.article_type = b.article_type AND s.display_name = b.display_name`,
  );
  t.equal(prefix.rows[0]!.same, 150, 'a smaller load is the first rows of a larger one (seeded)');
});

t.test("the benchmark's namespace is removed after its work, even when the work fails, and kept when asked", async (t) => {
  const rt = createRuntime('test-bench-scale-namespace');
  t.teardown(() => rt.close());
  const admin = new pg.Client({ connectionString: rt.config.databaseUrl });
  await admin.connect();
  t.teardown(() => admin.end());

  let schema = '';
  await t.rejects(
    inScaleNamespace(rt, false, async (ns) => {
      schema = ns.schema;
      const own = new pg.Client({ connectionString: ns.databaseUrl });
      await own.connect();
      try {
        await own.query(`CREATE TABLE scale_probe (id int)`);
      } finally {
        await own.end();
      }
      t.ok(await schemaExists(admin, schema), 'the schema exists while the work runs');
      t.ok((await admin.query(`SELECT to_regclass($1) AS r`, [`${schema}.scale_probe`])).rows[0].r, "the work's tables are made in it");
      throw new Error('work failed');
    }),
    /work failed/,
    "the work's failure is passed on",
  );
  t.notOk(await schemaExists(admin, schema), 'the schema and its tables are gone');

  let kept: BenchNamespace | undefined;
  t.equal(await inScaleNamespace(rt, true, async (ns) => ((kept = ns), 42)), 42, "the work's value is returned");
  t.ok(await schemaExists(admin, kept!.schema), '--keep leaves the schema');
  t.same(await kept!.remove(), [], 'and it can still be removed');
  t.notOk(await schemaExists(admin, kept!.schema), 'then it is gone');
});
