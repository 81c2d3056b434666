// Before ingest writes anything it waits, for a bounded time, until Kafka, the schema registry and
// MinIO answer, saying what it waits for; when one does not answer in time it gives up with an error
// that names it, so a run against a stopped stack neither hangs nor leaves a half-written catalog.
import { Kafka as KafkaClient, logLevel, type Kafka } from 'kafkajs';
import { errorMessage } from '../../platform/errors.ts';

export class DependencyUnavailableError extends Error {
  override name = 'DependencyUnavailableError';
  constructor(
    readonly dependency: string,
    readonly address: string,
    readonly timeoutS: number,
    lastError: string | undefined,
  ) {
    super(`${dependency} at ${address} did not answer within ${timeoutS} s${lastError ? ` (${lastError})` : ''}; nothing was written`);
  }
}

export interface WaitOptions {
  /** When everything must have answered (Date.now() scale). */
  deadline: number;
  timeoutS: number;
  /** Where the "waiting for ..." lines go. */
  log: (line: string) => void;
  /** How long a dependency may take before the first "waiting for" line. */
  quietMs?: number;
}

/**
 * Runs `probe` until it succeeds or the deadline passes: each attempt is cut at the deadline, a failed
 * one is retried after half a second. Says once (and then every 10 s) what it is waiting for.
 */
export async function waitUntilReady(dependency: string, address: string, probe: (abandoned: AbortSignal) => Promise<void>, options: WaitOptions): Promise<void> {
  const began = Date.now();
  let lastError: string | undefined;
  let announcedAt = 0;
  const announce = (): void => {
    const waited = Math.round((Date.now() - began) / 1000);
    const parts = [...(waited > 0 ? [`${waited} s so far`] : []), ...(lastError ? [`last error: ${lastError}`] : []), `giving up after ${options.timeoutS} s`];
    options.log(`waiting for ${dependency} at ${address} (${parts.join(', ')})`);
    announcedAt = Date.now();
  };
  const ticker = setInterval(() => {
    if (announcedAt === 0 ? Date.now() - began >= (options.quietMs ?? 1000) : Date.now() - announcedAt >= 10_000) announce();
  }, 250);
  try {
    for (;;) {
      const remaining = options.deadline - Date.now();
      if (remaining <= 0) throw new DependencyUnavailableError(dependency, address, options.timeoutS, lastError);
      let timer: NodeJS.Timeout | undefined;
      const abandon = new AbortController();
      const outcome = await Promise.race([
        probe(abandon.signal).then(
          () => 'ok' as const,
          (err: unknown) => {
            lastError = errorMessage(err).slice(0, 200);
            return 'failed' as const;
          },
        ),
        new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), remaining))),
      ]);
      clearTimeout(timer);
      if (outcome === 'ok') return;
      abandon.abort();
      if (outcome === 'timeout') throw new DependencyUnavailableError(dependency, address, options.timeoutS, lastError ?? 'no answer');
      if (announcedAt === 0) announce();
      await new Promise((r) => setTimeout(r, Math.min(500, Math.max(0, options.deadline - Date.now()))));
    }
  } finally {
    clearInterval(ticker);
  }
}

/**
 * One connection to the cluster and a metadata request, on a client of its own without kafkajs's
 * retries (so each failed attempt ends at once with its reason), or on `kafka` when the brokers are unknown.
 */
export async function probeKafka(kafka: Kafka, brokers: string[] | undefined, abandoned: AbortSignal): Promise<void> {
  const client = brokers ? new KafkaClient({ clientId: 'vitrina-ingest-probe', brokers, connectionTimeout: 3000, requestTimeout: 5000, retry: { retries: 0 }, logLevel: logLevel.NOTHING }) : kafka;
  const admin = client.admin({ retry: { retries: 0 } });
  abandoned.addEventListener('abort', () => void admin.disconnect().catch(() => undefined));
  try {
    await admin.connect();
    await admin.describeCluster();
  } finally {
    void admin.disconnect().catch(() => undefined);
  }
}
