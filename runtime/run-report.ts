// How `vitrina train --wait` (and the quality bench) print the steps of a run.
import type { RunEvent, RunOutcome } from '../mlops/follow-run.ts';

const f = (v: number | undefined, digits = 3): string => (v === undefined || Number.isNaN(v) ? 'n/a' : v.toFixed(digits));

export const HEADLINE_METRICS = [
  'text2image.exact.test.acc@10',
  'text2image.name.catalog.acc@10',
  'text2image.articleType.catalog.group@10',
  'image2image.exact.catalog.acc@1',
  'latency.text2image.p95_ms',
] as const;

export function describeRunEvent(e: RunEvent): string {
  switch (e.kind) {
    case 'prepared': {
      const p = e.event;
      if (p.error) return `[prepared] failed: ${p.error}`;
      return `[prepared] ${p.datasetSnapshot} (${p.catalogSource}): ${p.catalogSize} products → ${p.trainSize} train / ${p.testSize} test over ${p.classCounts.length} articleTypes, seed ${p.seed}, test fraction ${p.testFraction}${p.testDrawnFrom ? ` (test drawn from the ${p.testEligible} products the base never trained on)` : ''}; base ${p.baseModelVersion}; ${p.splitManifestKey}`;
    }
    case 'trained': {
      const t = e.event;
      if (t.status === 'FAILED') return `[trained] failed: ${t.error}`;
      const first = t.curve[0];
      const last = t.curve[t.curve.length - 1];
      return `[trained] ${t.modelVersion}: ${t.curve.length} epochs on ${t.trainPairs} pairs, loss ${f(first?.loss, 4)} → ${f(last?.loss, 4)}, ${f(t.metrics.pairsPerSecond, 0)} pairs/s, training ${f(t.metrics.trainSeconds, 1)} s (+ ${f(t.metrics.embedSeconds, 1)} s frozen embeddings), peak RSS ${f(t.metrics.peakRssMiB, 0)} MiB`;
    }
    case 'evaluated': {
      const v = e.event;
      if (v.error) return `[evaluated] ${v.modelVersion} failed: ${v.error}`;
      return `[evaluated] ${v.role} ${v.modelVersion}: ${HEADLINE_METRICS.map((m) => `${m} ${f(v.metrics[m], m.startsWith('latency') ? 1 : 3)}`).join(', ')} (${v.queries} queries)`;
    }
    case 'decided':
      return `[decided] ${e.event.decision} ${e.event.challengerVersion} (champion ${e.event.championVersion}): ${e.event.reason}`;
    case 'promoted':
      return `[promoted] ${e.event.version} is the champion of ${e.event.modelName} (was ${e.event.previousVersion ?? 'none'})`;
  }
}

export function describeOutcome(o: RunOutcome): string {
  switch (o.result) {
    case 'promoted':
      return `run ${o.runId}: challenger ${o.promotion?.version} promoted`;
    case 'rejected':
      return `run ${o.runId}: challenger ${o.decision?.challengerVersion} rejected: ${o.reason}`;
    case 'failed':
      return `run ${o.runId} failed: ${o.reason}`;
  }
}
