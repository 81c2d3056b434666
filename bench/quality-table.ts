// The quality bench's markdown: the run's setup and one row per metric, champion against challenger.
export interface QualityResult {
  model: string;
  runId: string;
  decision: string;
  reason: string;
  split: { datasetSnapshot: string; catalog: number; train: number; test: number; articleTypes: number; seed: number; testFraction: number };
  training: { challenger: string | null; parameters: Record<string, string>; curve: Array<{ epoch: number; loss: number }>; metrics: Record<string, number>; durationMs: number };
  evaluation: { parameters: Record<string, string>; champion: Record<string, number>; challenger: Record<string, number> };
  runSeconds: number;
  peakRssMiB: number | undefined;
}

const ROWS: Array<[string, string]> = [
  ['text→image exact id acc@1 / @5 / @10, test gallery', 'text2image.exact.test.acc@{1,5,10}'],
  ['text→image same display name acc@1 / @5 / @10, test gallery', 'text2image.name.test.acc@{1,5,10}'],
  ['text→image exact id acc@1 / @5 / @10, whole catalog', 'text2image.exact.catalog.acc@{1,5,10}'],
  ['text→image same display name acc@1 / @5 / @10, whole catalog', 'text2image.name.catalog.acc@{1,5,10}'],
  ['text→image articleType group acc@1 / @5 / @10, whole catalog', 'text2image.articleType.catalog.group@{1,5,10}'],
  ['text→image masterCategory group acc@10, whole catalog', 'text2image.masterCategory.catalog.group@{10}'],
  ['image→image (augmented) acc@1 / @5 / @10, test gallery', 'image2image.exact.test.acc@{1,5,10}'],
  ['image→image (augmented) acc@1 / @5 / @10, whole catalog', 'image2image.exact.catalog.acc@{1,5,10}'],
  ['image→image articleType group acc@1 / @10, whole catalog', 'image2image.articleType.catalog.group@{1,10}'],
  ['image→image masterCategory group acc@10, whole catalog', 'image2image.masterCategory.catalog.group@{10}'],
  ['text query latency mean / p95 (ms)', 'latency.text2image.{mean_ms,p95_ms}'],
  ['image query latency mean / p95 (ms)', 'latency.image2image.{mean_ms,p95_ms}'],
];

function expand(pattern: string): string[] {
  const m = /^(.*)\{([^}]*)\}(.*)$/.exec(pattern);
  return m ? m[2]!.split(',').map((v) => `${m[1]}${v}${m[3]}`) : [pattern];
}

function cell(metrics: Record<string, number>, pattern: string): string {
  return expand(pattern)
    .map((name) => {
      const v = metrics[name];
      if (v === undefined) return 'n/a';
      return name.startsWith('latency') ? v.toFixed(1) : v.toFixed(3);
    })
    .join(' / ');
}

export function qualityMarkdown(r: QualityResult): string {
  const hp = r.training.parameters;
  const tm = r.training.metrics;
  const lines = [
    `Quality of ${r.model} (champion) against ${r.training.challenger} (challenger), run ${r.runId}`,
    '',
    `Split: dataset snapshot ${r.split.datasetSnapshot}, ${r.split.catalog} products → ${r.split.train} train / ${r.split.test} test, stratified over ${r.split.articleTypes} articleTypes, seed ${r.split.seed}, test fraction ${r.split.testFraction}. ` +
      `Queries: ${r.evaluation.parameters.queries} test products; augmentation ${r.evaluation.parameters.augmentation} (seed ${r.evaluation.parameters.augmentSeed}); exact search.`,
    `Training: adapter on ${hp['adapter.sides'] === 'both' || !hp['adapter.sides'] ? 'both sides' : `the ${hp['adapter.sides']} side only`}, ${hp.epochs} epochs, lr ${hp.lr}, batch ${hp.batchSize}, temperature ${hp.temperature} (${hp.learnTemperature === 'true' ? 'learnt' : 'fixed'}), weight decay ${hp.weightDecay}; loss of the untrained adapter ${tm.initialLoss?.toFixed(4)}, mean loss per epoch ${r.training.curve.map((e) => e.loss.toFixed(4)).join(', ')}; ` +
      `${tm.trainSeconds?.toFixed(0)} s training at ${tm.pairsPerSecond?.toFixed(0)} pairs/s, ${tm.embedSeconds?.toFixed(0)} s frozen embeddings; peak RSS ${r.peakRssMiB?.toFixed(0)} MiB (bench process: model server, processors, evaluation). Whole run ${r.runSeconds.toFixed(0)} s.`,
    `Decision: ${r.decision} — ${r.reason}`,
    '',
    '| metric | champion | challenger |',
    '| --- | --- | --- |',
    ...ROWS.map(([label, pattern]) => `| ${label} | ${cell(r.evaluation.champion, pattern)} | ${cell(r.evaluation.challenger, pattern)} |`),
    '',
  ];
  return lines.join('\n');
}
