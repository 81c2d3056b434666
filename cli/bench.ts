// `vitrina bench <name>`: benchmarks that print their figures and write JSON under bench/results/.
import path from 'node:path';
import type { Command } from 'commander';
import { runEncoderBench } from '../bench/encoder.ts';
import { runGraphqlLimitsBench } from '../bench/graphql-limits.ts';
import { runIngestBench, type IngestBenchOptions } from '../bench/ingest.ts';
import { runPipelineBench } from '../bench/pipeline.ts';
import { runCpuProfileSummary } from '../bench/cpu-profile.ts';
import { runQualityBench, type QualityBenchOptions } from '../bench/quality.ts';
import { runRelevanceBench, type RelevanceBenchOptions } from '../bench/relevance.ts';
import { runReplayBench } from '../bench/replay.ts';
import { runUploadNotificationsBench } from '../bench/upload-notifications.ts';
import { runSearchRecallBench, type SearchRecallOptions } from '../bench/search-recall.ts';
import { runScaleBench } from '../bench/scale.ts';
import { runSearchBench, type SearchBenchOptions } from '../bench/search.ts';
import { runSearchStagesBench, type SearchStagesOptions } from '../bench/search-stages.ts';

export function registerBench(program: Command): void {
  const bench = program.command('bench').description('benchmarks (print figures, write bench/results/<name>.json)');
  bench
    .command('ingest')
    .description('the dataset folder into the products projection: products/s and peak memory per process')
    .option('--dataset <dir>', 'dataset folder')
    .option('--limit <n>', 'only the first N rows (--alone: 3000)', (v) => Number(v))
    .option('--alone', 'ingest by itself (CSV -> MinIO -> Kafka) on fresh ids and a fresh bucket: products/s, seconds per stage, a re-run, MinIO puts/s beside it; writes bench/results/ingest.json')
    .option('--concurrency <n>', "rows in work at once (ingest's default)", (v) => Number(v))
    .action((opts: IngestBenchOptions) => runIngestBench(opts));
  bench
    .command('pipeline')
    .description('dataset -> ingest -> products projection -> embedder -> embeddings projection on a namespace of its own, next to the bare in-process encoder on the same products: products/s, ratio, seconds per stage, CPU and peak RSS per process; writes bench/results/pipeline.json')
    .option('--dataset <dir>', 'dataset folder')
    .option('--limit <n>', 'only the first N rows', (v) => Number(v))
    .option('--model <version>', 'model version (default: the base model bundled in models/base when available, else tiny)')
    .option('--threads <n>', 'onnxruntime threads, in the model server and in-process', (v) => Number(v))
    .option('--batch <n>', 'in-process encoder batch (32, the embedder\'s)', (v) => Number(v))
    .option('--timeout <s>', 'longest wait for the pipeline (120 + 0.5 s per row)', (v) => Number(v))
    .option('--cpu-prof <dir>', "write a V8 CPU profile of each of the pipeline's processes into this folder")
    .option('--name <name>', 'results file name under bench/results/ (default pipeline)')
    .action((opts: { dataset?: string; limit?: number; model?: string; threads?: number; batch?: number; timeout?: number; cpuProf?: string; name?: string }) =>
      runPipelineBench({ ...opts, timeoutS: opts.timeout, cpuProfDir: opts.cpuProf ? path.resolve(opts.cpuProf) : undefined }),
    );
  bench
    .command('cpu-profile <dir>')
    .description('where the CPU went in the V8 profiles of a folder (bench pipeline --cpu-prof): busy seconds by package or project file, top functions')
    .option('--top <n>', 'groups and functions listed per profile', (v) => Number(v), 12)
    .action((dir: string, opts: { top: number }) => runCpuProfileSummary(dir, opts.top));
  bench
    .command('graphql-limits')
    .description('how fast the gateway refuses hostile GraphQL documents, next to { __typename }; no server needed')
    .option('--runs <n>', 'timed rounds (each sends every document once), after two warm-up rounds', (v) => Number(v), 50)
    .action((opts: { runs: number }) => runGraphqlLimitsBench(opts));
  bench
    .command('replay')
    .description('rebuild the products projection: events/s next to kafka-consumer-perf-test on the same topic')
    .action(() => runReplayBench());
  bench
    .command('upload-notifications')
    .description("upload → Kafka notification latency of MinIO's queued and direct targets side by side (a MinIO of its own), and the queued events kept across a kill and restart")
    .option('--uploads <n>', 'uploads, one at a time', (v) => Number(v), 30)
    .action((opts: { uploads: number }) => runUploadNotificationsBench(opts));
  bench
    .command('search-recall')
    .description('HNSW recall@10 against an exact scan, unfiltered and with a selective (1%) and a broad (20%) filter, and the speed-up, on random unit vectors')
    .option('--n <n>', 'rows (random unit vectors)', (v) => Number(v), 40_000)
    .option('--dimension <d>', 'vector dimension', (v) => Number(v), 256)
    .option('--queries <q>', 'queries', (v) => Number(v), 100)
    .option('--selectivity <s>', 'share of rows passing the selective filter', (v) => Number(v), 0.01)
    .option('--keep', 'keep the benchmark table afterwards')
    .action((opts: SearchRecallOptions) => runSearchRecallBench(opts));
  bench
    .command('scale')
    .description("embeddings tables of 100k, 400k and 1M synthetic products mixed from the catalog's own embeddings, in a schema of its own: load and HNSW build time, table and index size, build memory, SearchCore and REST search p50/p95 at concurrency 1 and 8, recall@10 against an exact scan with and without a selective filter; writes bench/results/scale.json")
    .option('--sizes <list>', 'comma-separated row counts', (v) => v.split(',').map((x) => Number(x.trim())), [100_000, 400_000, 1_000_000])
    .option('--queries <n>', 'shopper queries (their embeddings for recall, their texts for latency)', (v) => Number(v), 200)
    .option('--requests <n>', 'requests per latency figure at concurrency 1 (twice as many at 8)', (v) => Number(v), 200)
    .option('--recall-queries <n>', 'of the queries, those judged for recall@10 (each an exact scan of the table)', (v) => Number(v), 100)
    .option('--name <name>', 'results file name under bench/results/ (default scale)')
    .option('--build-memory <size>', 'maintenance_work_mem of the index build', '3GB')
    .option('--threads <n>', 'onnxruntime threads of the model server', (v) => Number(v), 1)
    .option('--keep', "keep the benchmark's schema afterwards")
    .action((opts: { sizes: number[]; queries: number; requests: number; recallQueries: number; name?: string; buildMemory: string; threads: number; keep?: boolean }) => {
      if (opts.sizes.some((n) => !Number.isInteger(n) || n < 1)) throw new Error(`--sizes must be positive integers, got ${opts.sizes.join(',')}`);
      return runScaleBench(opts);
    });
  bench
    .command('search')
    .description('search over the embedded catalog of the running stack: latency per layer (REST, SearchCore, SQL, model server) at concurrency 1/8/32, HNSW recall on the real embeddings, vector vs hybrid vs name on evaluation metrics, upload → prediction freshness')
    .option('--parts <list>', 'comma-separated: layers, recall, modes, freshness (default all)')
    .option('--threads <n>', 'onnxruntime threads of the model server (1)', (v) => Number(v))
    .option('--title-queries <n>', 'display names of a seeded sample as title queries, halved into dev and test by product id (600)', (v) => Number(v))
    .option('--recall-queries <n>', 'query vectors per recall section (100)', (v) => Number(v))
    .option('--uploads <n>', 'uploads timed for freshness (30)', (v) => Number(v))
    .option('--levels <list>', 'concurrency:requests pairs (1:100,8:200,32:320)')
    .option('--seed <s>', 'seed of the product sample')
    .option('--name <name>', 'results file name under bench/results/ (default search)')
    .action((opts: SearchBenchOptions) => runSearchBench(opts));
  bench
    .command('search-stages')
    .description('where a default-mode text search spends its time: understanding, live version, catalog values, embedding, the page SQL, the top-1,000 read of facets and collapse (dev-half shopper queries, in process), with EXPLAIN ANALYZE')
    .option('--queries <n>', 'dev-half queries (150)', (v) => Number(v))
    .option('--threads <n>', 'onnxruntime threads of the model server (1)', (v) => Number(v))
    .action(async (opts: SearchStagesOptions) => void (await runSearchStagesBench(opts)));
  bench
    .command('relevance')
    .description('the shopper-query set (bench/relevance/queries.tsv) through REST: precision@10 per mode, with and without query understanding, per half (dev/test), latency p50/p95')
    .option('--gateway <url>', 'a running gateway (default: start a model server and a gateway on the configured stack)')
    .option('--threads <n>', 'onnxruntime threads of the model server it starts (1)', (v) => Number(v))
    .option('--load-requests <n>', 'requests of the default mode at concurrency 8 (200; 0 skips)', (v) => Number(v))
    .option('--halves <list>', 'dev, test or both (default dev,test)')
    .option('--name <name>', 'results file name under bench/results/ (default relevance)')
    .action((opts: RelevanceBenchOptions) => runRelevanceBench(opts));
  bench
    .command('encoder')
    .description('the model server: texts/s and images/s through gRPC vs in-process, p50/p95 latency, peak memory (int8 side by side when present)')
    .option('--model <version>', 'model version (default: the base model bundled in models/base when available, else tiny)')
    .option('--texts <n>', 'texts to embed (2000)', (v) => Number(v))
    .option('--images <n>', 'images to embed (1000)', (v) => Number(v))
    .option('--batch <n>', 'in-process batch and server max batch (32)', (v) => Number(v))
    .option('--concurrency <n>', 'single-item requests in flight (64)', (v) => Number(v))
    .option('--latency-runs <n>', 'sequential requests per latency figure (100)', (v) => Number(v))
    .option('--threads <n>', 'onnxruntime threads, in-process and in the server', (v) => Number(v))
    .option('--max-wait-ms <n>', "the server's batching wait (its default)", (v) => Number(v))
    .option('--no-int8', 'skip the int8 variant')
    .action((opts: { model?: string; texts?: number; images?: number; batch?: number; concurrency?: number; latencyRuns?: number; threads?: number; maxWaitMs?: number; int8: boolean }) =>
      runEncoderBench({ ...opts, noInt8: !opts.int8 }),
    );
  bench
    .command('quality')
    .description('champion (the base model) against a fine-tuned challenger on the shared dataset, through the MLOps loop: all metrics, split, seeds, run time')
    .option('--base <version>', 'champion to fine-tune (default: the base model bundled in models/base)')
    .option('--seed <n>', 'seed of the split, training and augmentation', (v) => Number(v), 42)
    .option('--test-fraction <f>', 'share held out per articleType', (v) => Number(v), 0.2)
    .option('--epochs <n>', 'training epochs (default 10)', (v) => Number(v))
    .option('--lr <x>', 'learning rate', (v) => Number(v))
    .option('--batch-size <n>', 'InfoNCE batch size', (v) => Number(v))
    .option('--sides <sides>', 'which encoders get an adapter: both (default), text or image')
    .option('--max-queries <n>', 'a seeded sample of test products as queries (default: all)', (v) => Number(v))
    .option('--latency-queries <n>', 'queries timed end to end per model and task (200)', (v) => Number(v))
    .option('--dataset-snapshot <id>', 'dataset snapshot (default: the largest)')
    .option('--allow-tiny', 'run with the tiny test model (a smoke run; its numbers mean nothing)')
    .option('--name <name>', 'results file name under bench/results/ (default quality)')
    .action((opts: QualityBenchOptions) => runQualityBench(opts));
}
