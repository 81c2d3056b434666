// Which uploads already got a prediction, per object key and ETag: a small table of the
// dispatcher's own, so a notification delivered twice, or found again by the sweep, is skipped.
import type { Db } from '../../projections/db.ts';

export class PredictionLedger {
  private ready: Promise<void> | undefined;

  constructor(private readonly db: Db) {}

  private ensure(): Promise<void> {
    this.ready ??= this.db
      .query(`CREATE TABLE IF NOT EXISTS dispatcher_predictions (
        bucket text NOT NULL, object_key text NOT NULL, etag text NOT NULL,
        model_version text NOT NULL, predicted_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (bucket, object_key, etag))`)
      .then(() => undefined);
    return this.ready;
  }

  async has(bucket: string, key: string, etag: string): Promise<boolean> {
    await this.ensure();
    const { rowCount } = await this.db.query('SELECT 1 FROM dispatcher_predictions WHERE bucket = $1 AND object_key = $2 AND etag = $3', [bucket, key, etag]);
    return (rowCount ?? 0) > 0;
  }

  async record(bucket: string, key: string, etag: string, modelVersion: string): Promise<void> {
    await this.ensure();
    await this.db.query('INSERT INTO dispatcher_predictions (bucket, object_key, etag, model_version) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING', [bucket, key, etag, modelVersion]);
  }
}
