// PostgreSQL of the local stack: pgvector is installed, and an HNSW index over vector(512) with cosine
// distance answers a nearest-neighbour query with the expected rows. Fails (not skips) when Postgres is down.
import t from 'tap';
import pg from 'pg';
import pgvector from 'pgvector/pg';
import { loadConfig } from '../../platform/config.ts';
import { mulberry32 } from '../../models/util/prng.ts';

const DIM = 512;

/** Deterministic pseudo-random numbers in [-1, 1), from the project's one seeded generator. */
function random(seed: number): () => number {
  const next = mulberry32(seed);
  return () => next() * 2 - 1;
}

function randomVector(next: () => number): number[] {
  return Array.from({ length: DIM }, () => next());
}

function cosineDistance(a: number[], b: number[]): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return 1 - dot / Math.sqrt(na * nb);
}

t.test('pgvector HNSW (vector_cosine_ops) answers nearest-neighbour queries', async (t) => {
  const client = new pg.Client({ connectionString: loadConfig().databaseUrl, connectionTimeoutMillis: 5_000 });
  client.on('error', () => undefined);
  await client.connect(); // rejects when Postgres is down: the test fails
  t.teardown(() => client.end());

  await client.query('CREATE EXTENSION IF NOT EXISTS vector');
  await pgvector.registerTypes(client);
  const ext = await client.query<{ extversion: string }>("SELECT extversion FROM pg_extension WHERE extname = 'vector'");
  t.equal(ext.rows[0]?.extversion, '0.8.5', 'pgvector 0.8.5');

  const next = random(20260212);
  const query = randomVector(next);
  // ids 1..5 lie near the query, each a little farther than the one before; ids 6..300 are random.
  const rows: Array<{ id: number; embedding: number[] }> = [];
  for (let id = 1; id <= 5; id++) {
    const noise = randomVector(next);
    rows.push({ id, embedding: query.map((q, i) => q + 0.15 * id * noise[i]!) });
  }
  for (let id = 6; id <= 300; id++) rows.push({ id, embedding: randomVector(next) });

  const exact = rows.map((r) => ({ id: r.id, d: cosineDistance(query, r.embedding) })).sort((a, b) => a.d - b.d);
  t.same(exact.slice(0, 5).map((r) => r.id), [1, 2, 3, 4, 5], 'brute force agrees on the expected neighbours');

  await client.query(`CREATE TEMP TABLE nn_probe (id int PRIMARY KEY, embedding vector(${DIM}) NOT NULL)`);
  for (let start = 0; start < rows.length; start += 100) {
    const batch = rows.slice(start, start + 100);
    const params: unknown[] = [];
    const values = batch.map((r, i) => {
      params.push(r.id, pgvector.toSql(r.embedding));
      return `($${2 * i + 1}, $${2 * i + 2})`;
    });
    await client.query(`INSERT INTO nn_probe (id, embedding) VALUES ${values.join(', ')}`, params);
  }
  await client.query('CREATE INDEX nn_probe_hnsw ON nn_probe USING hnsw (embedding vector_cosine_ops) WITH (m = 16, ef_construction = 64)');
  await client.query('SET enable_seqscan = off');

  const sql = 'SELECT id, embedding <=> $1 AS distance FROM nn_probe ORDER BY embedding <=> $1 LIMIT 5';
  const plan = await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${sql}`, [pgvector.toSql(query)]);
  t.match(plan.rows.map((r) => r['QUERY PLAN']).join('\n'), /Index Scan using nn_probe_hnsw/, 'the query uses the HNSW index');

  const result = await client.query<{ id: number; distance: number }>(sql, [pgvector.toSql(query)]);
  t.same(result.rows.map((r) => r.id), [1, 2, 3, 4, 5], 'nearest ids, nearest first');
  result.rows.forEach((row, i) => {
    t.ok(Math.abs(Number(row.distance) - exact[i]!.d) < 1e-4, `distance of id ${row.id} matches the exact cosine distance`);
  });
});
