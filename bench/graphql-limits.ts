// GraphQL refusal benchmark: how long the gateway takes to refuse hostile documents (chained
// fragments, alias floods, repeated response names, a document at the size limits), next to an
// accepted { __typename } and the introspection query in the same run. Requests go through the
// whole Fastify + Mercurius stack with inject; the search parts behind it throw if touched, so a
// refusal that let anything run would fail the benchmark. No server is needed.
import os from 'node:os';
import { getIntrospectionQuery } from 'graphql';
import type * as Minio from 'minio';
import type { Encoder, SearchBackend } from '../gateway/core.ts';
import { buildGateway } from '../gateway/index.ts';
import { aliased, chainedFragments } from './graphql-hostile.ts';
import { writeResult } from './report.ts';

export interface GraphqlLimitsBenchOptions {
  runs: number;
}

/** A dependency that must not be reached: every property access is counted and throws. */
function untouchable<T>(name: string, touched: string[]): T {
  return new Proxy({}, { get: (_t, prop) => (touched.push(`${name}.${String(prop)}`), () => Promise.reject(new Error(`${name} reached`))) }) as T;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const round2 = (x: number): number => Math.round(x * 100) / 100;

export async function runGraphqlLimitsBench({ runs }: GraphqlLimitsBenchOptions): Promise<void> {
  const touched: string[] = [];
  const app = await buildGateway({ search: untouchable<SearchBackend>('search', touched), encoder: untouchable<Encoder>('encoder', touched), s3: untouchable<Minio.Client>('s3', touched) });
  const documents: Array<[name: string, query: string, status: number]> = [
    ['{ __typename } (accepted)', '{ __typename }', 200],
    ['introspection query (accepted)', getIntrospectionQuery(), 200],
    ['10 chained fragments', chainedFragments(10), 400],
    ['20 chained fragments', chainedFragments(20), 400],
    ['30 chained fragments', chainedFragments(30), 400],
    ['416 aliased searches', `{ ${aliased(416, () => 'search(q: "a", k: 1) { k }')} }`, 400],
    ['2,400 aliased product lookups', `{ ${aliased(2400, (i) => `product(id: ${i + 1}) { id }`)} }`, 400],
    ['500 x "a: product(id: 1)"', `{ ${'a: product(id: 1) { id } '.repeat(500)} }`, 400],
    ['20 root fields, 14 fields each (cost refusal)', `{ ${aliased(20, () => `search(q: "a", k: 100) { ${aliased(13, () => 'k', 'f')} }`)} }`, 400],
    ['1,990 __typename fields', `{ ${'__typename '.repeat(1990)} }`, 400],
  ];
  // Round-robin: each round sends every document once, so load changes on the machine fall on all alike.
  const times = documents.map(() => [] as number[]);
  const answers = documents.map(() => ({ status: 0, code: undefined as unknown }));
  for (let round = 0; round < runs + 2; round += 1) {
    for (const [i, [, query]] of documents.entries()) {
      const started = performance.now();
      const res = await app.inject({ method: 'POST', url: '/graphql', payload: { query } });
      const ms = performance.now() - started;
      if (round >= 2) times[i]!.push(ms); // two warm-up rounds
      answers[i] = { status: res.statusCode, code: (res.json() as { errors?: Array<{ extensions?: { code?: unknown } }> }).errors?.[0]?.extensions?.code };
    }
  }
  const figures = documents.map(([name, query, status], i) => {
    if (answers[i]!.status !== status) throw new Error(`${name}: expected ${status}, got ${answers[i]!.status}`);
    return { document: name, bytes: Buffer.byteLength(query), status, code: answers[i]!.code ?? null, medianMs: round2(median(times[i]!)), maxMs: round2(Math.max(...times[i]!)) };
  });
  await app.close();
  if (touched.length > 0) throw new Error(`a refused request reached the search parts: ${touched.join(', ')}`);

  const baseline = figures[0]!.medianMs;
  const result = {
    runs,
    machine: { cpus: os.availableParallelism(), loadAverage1m: round2(os.loadavg()[0]!) },
    documents: figures.map((f) => ({ ...f, ratioToTypename: round2(f.medianMs / baseline) })),
  };
  for (const f of result.documents) {
    process.stdout.write(`${f.document.padEnd(46)} ${String(f.bytes).padStart(6)} B  ${f.status} ${String(f.code ?? '').padEnd(22)} median ${f.medianMs.toFixed(2).padStart(7)} ms  max ${f.maxMs.toFixed(2).padStart(7)} ms  ×${f.ratioToTypename}\n`);
  }
  const file = writeResult('graphql-limits', result);
  process.stdout.write(`load average ${result.machine.loadAverage1m} on ${result.machine.cpus} CPUs; written to ${file}\n`);
}
