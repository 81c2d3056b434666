// The dispatcher's ledger is the uploads projection, and the projection is the one writer of its
// table: the dispatcher only publishes UploadHandled events. With no projector running, what it
// recorded writes no row, yet the next look-up (and a restarted dispatcher, from the log) knows it;
// the projector then writes the rows, and a replay rebuilds them from the topic alone — rows deleted
// from the live table come back, and replaying twice gives the same rows. The table the ledger used
// to be is imported once through events and dropped.
import crypto from 'node:crypto';
import t from 'tap';
import { PredictionLedger } from '../../processors/dispatcher/ledger.ts';
import { ensureCatalog, liveGeneration } from '../../projections/catalog.ts';
import { replay } from '../../projections/replay.ts';
import { uploadsProjection } from '../../projections/uploads/projection.ts';
import { createRuntime } from '../../runtime/runtime.ts';
import { startUploadsProjector } from './dispatcher-fixtures.ts';
import { waitFor } from './fixtures.ts';

interface Row {
  object_key: string;
  etag: string;
  outcome: string;
  model_version: string | null;
  reason: string | null;
  processor: string;
  handled_at: Date;
}

t.test('the dispatcher only emits UploadHandled; the projection writes the table and replay rebuilds it', async (t) => {
  const rt = createRuntime('test-uploads-ledger');
  t.teardown(() => rt.close());
  const hex = crypto.randomBytes(4).toString('hex');
  const bucket = `ledger-${hex}`; // only a name: the ledger never reads the bucket
  const legacyTable = `legacy_ledger_${hex}`;
  await rt.db.query(`CREATE TABLE ${legacyTable} (bucket text NOT NULL, object_key text NOT NULL, etag text NOT NULL,
    model_version text NOT NULL, predicted_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (bucket, object_key, etag))`);
  t.teardown(() => rt.db.query(`DROP TABLE IF EXISTS ${legacyTable}`));
  await rt.db.query(`INSERT INTO ${legacyTable} VALUES ($1, 'old/a.jpg', 'e1', 'base-v2', '2026-01-02T03:04:05Z'), ($1, 'old/b.jpg', 'e2', 'rejected', '2026-01-02T03:04:06Z')`, [bucket]);

  const ledger = new PredictionLedger({ ...rt, legacyTable });
  const rows = async (): Promise<Row[]> => {
    const exists = await rt.db.query(`SELECT to_regclass('uploads_handled') AS t`);
    if (exists.rows[0].t === null) return [];
    return (await rt.db.query<Row>(`SELECT object_key, etag, outcome, model_version, reason, processor, handled_at FROM uploads_handled WHERE bucket = $1 ORDER BY object_key, etag`, [bucket])).rows;
  };

  t.notOk(await ledger.has(bucket, 'new/never.jpg', 'e0'), 'an object never handled is not in the ledger');
  const legacyLeft = await rt.db.query(`SELECT to_regclass($1) AS t`, [legacyTable]);
  t.equal(legacyLeft.rows[0].t, null, 'the old table is dropped once imported');
  t.ok(await ledger.has(bucket, 'old/a.jpg', 'e1'), 'a prediction of the old table is in the ledger');
  t.ok(await ledger.has(bucket, 'old/b.jpg', 'e2'), 'a rejection of the old table is in the ledger');

  await ledger.recordPredicted({ bucket, key: 'new/blue jeans+1.jpg', etag: 'e3' }, 'tiny-1', 'dispatcher');
  t.ok(await ledger.has(bucket, 'new/blue jeans+1.jpg', 'e3'), 'a prediction is seen by the next look-up at once');
  t.notOk(await ledger.has(bucket, 'new/blue jeans+1.jpg', 'e4'), 'the same key with another ETag is not');
  await ledger.recordRejected({ bucket, key: 'new/junk#1.jpg', etag: 'e5' }, `${bucket}/new/junk#1.jpg is not a usable image`, 'dispatcher.sweep');
  t.ok(await ledger.has(bucket, 'new/junk#1.jpg', 'e5'), 'a rejection is seen by the next look-up at once');
  t.same(await rows(), [], 'the dispatcher wrote no row: with no projector running the table has none of them');

  // A dispatcher started again before the projector applied them knows them from the log.
  const restarted = new PredictionLedger(rt);
  for (const [key, etag] of [['old/a.jpg', 'e1'], ['old/b.jpg', 'e2'], ['new/blue jeans+1.jpg', 'e3'], ['new/junk#1.jpg', 'e5']] as const) {
    t.ok(await restarted.has(bucket, key, etag), `a restarted dispatcher knows ${key} was handled`);
  }
  t.notOk(await restarted.has(bucket, 'new/blue jeans+1.jpg', 'e4'), 'and still not the other ETag');
  t.same(await rows(), [], 'still no row');

  // The projector is the one writer.
  const projector = await startUploadsProjector(rt);
  let live: Row[] = [];
  try {
    live = await waitFor('the projector to write the four rows', async () => {
      const found = await rows();
      return found.length === 4 ? found : undefined;
    }, 90_000);
  } finally {
    await projector.stop();
  }
  t.same(live.map((r) => [r.object_key, r.outcome, r.model_version, r.processor]), [
    ['new/blue jeans+1.jpg', 'PREDICTED', 'tiny-1', 'dispatcher'],
    ['new/junk#1.jpg', 'REJECTED', null, 'dispatcher.sweep'],
    ['old/a.jpg', 'PREDICTED', 'base-v2', 'dispatcher.ledger-import'],
    ['old/b.jpg', 'REJECTED', null, 'dispatcher.ledger-import'],
  ]);
  t.equal(live[1]!.reason, `${bucket}/new/junk#1.jpg is not a usable image`, 'the rejection keeps its reason');
  t.equal(live[2]!.handled_at.toISOString(), '2026-01-02T03:04:05.000Z', 'an imported row keeps its time');

  // The table holds nothing the topic does not: lose the rows, and a replay brings them back.
  await rt.db.query(`DELETE FROM uploads_handled WHERE bucket = $1`, [bucket]);
  t.same(await rows(), [], 'the rows are gone from the live table');
  const client = await rt.db.connect();
  t.teardown(() => client.release());
  await ensureCatalog(client);
  const before = await liveGeneration(client, uploadsProjection.name);
  const first = await replay(uploadsProjection, rt);
  t.same(await rows(), live, 'the replay rebuilt every row from the topic');
  const second = await replay(uploadsProjection, rt);
  t.same(await rows(), live, 'replaying twice gives the same rows');
  t.ok(first.generation > (before ?? 0) && second.generation === first.generation + 1, 'each replay built a new generation');
  t.equal(await liveGeneration(client, uploadsProjection.name), second.generation, 'the newest generation is live');
  t.ok(await new PredictionLedger(rt).has(bucket, 'new/junk#1.jpg', 'e5'), 'a dispatcher reads the rebuilt ledger');

  await ledger.recordPredicted({ bucket, key: 'after/replay.jpg', etag: 'e6' }, 'tiny-1', 'dispatcher');
  t.ok(await ledger.has(bucket, 'after/replay.jpg', 'e6'), 'a prediction after the replay is seen at once');
  const again = await startUploadsProjector(rt);
  try {
    await waitFor('the projector to write it into the generation now live', async () => (await rows()).some((r) => r.object_key === 'after/replay.jpg'), 90_000);
  } finally {
    await again.stop();
  }
  t.pass('the projector wrote it into the generation now live');
});
