// Wiring of the dispatcher processor: its consumer, the bucket sweep, the live projector of its
// ledger (the uploads projection, the one writer of its table: the dispatcher only publishes
// UploadHandled events), and the clients it needs.
import { PredictionLedger } from '../processors/dispatcher/ledger.ts';
import { dispatcherSpec, type DispatcherDeps } from '../processors/dispatcher/dispatcher.ts';
import { startSweeper } from '../processors/dispatcher/sweep.ts';
import { SearchCore } from '../projections/embeddings/search.ts';
import { createProjector } from '../projections/projector.ts';
import { uploadsProjection } from '../projections/uploads/projection.ts';
import { createEncoderClient } from '../proto/client.ts';
import { ProcessorRunner } from '../streams/processor.ts';
import { imageLimits } from '../platform/image-rules.ts';
import { buckets } from '../platform/s3.ts';
import type { Runtime } from '../runtime/runtime.ts';

export function createDispatcher(rt: Runtime, groupId?: string, sweepIntervalMs = rt.config.settings.VITRINA_SWEEP_INTERVAL_MS): { start: () => Promise<void>; stop: () => Promise<void> } {
  const encoder = createEncoderClient(rt.config.modelServerAddress);
  const deps: DispatcherDeps = { s3: rt.s3, encoder, search: new SearchCore(rt.db), ledger: new PredictionLedger(rt), producer: rt.producer, limits: imageLimits(rt.config.settings) };
  const runner = new ProcessorRunner(dispatcherSpec(deps, groupId), rt.kafka, rt.producer);
  const ledgerProjector = createProjector(uploadsProjection, rt);
  let sweeper: { stop: () => Promise<void> } | undefined;
  return {
    start: async () => {
      await deps.ledger.prepare(); // the ledger's topic exists, and what the projection lacks is read from it, before either runner starts
      await ledgerProjector.start();
      await runner.start();
      sweeper = startSweeper(buckets.uploads, deps, sweepIntervalMs);
    },
    stop: async () => {
      await sweeper?.stop();
      await runner.stop();
      await ledgerProjector.stop();
      encoder.close();
    },
  };
}
