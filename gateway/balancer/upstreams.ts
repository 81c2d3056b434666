// The gateway instances behind the balancer and what it knows of each: healthy or not, requests in
// flight, requests forwarded. Each is checked on its own every `intervalMs` (GET `healthPath`, a
// 200 within `timeoutMs`); `fall` failed checks in a row take it out, one good check puts it back,
// and a forwarded request that timed out or could not connect takes it out at once. Requests go to
// the healthy instance with the fewest in flight, round robin among equals. None counts as healthy
// before its first good check.
import { Pool } from 'undici';

export interface UpstreamOptions {
  healthPath: string;
  intervalMs: number;
  timeoutMs: number;
  /** Failed checks in a row that take an instance out. */
  fall: number;
  log: (line: string) => void;
}

export class Upstream {
  /** Unknown until the first check answers. */
  healthy = false;
  inFlight = 0;
  forwarded = 0;
  failedChecks = 0;
  timer: NodeJS.Timeout | undefined;

  constructor(
    readonly origin: string,
    readonly pool: Pool,
  ) {}
}

/** `host:port` or an http:// URL → its origin. */
export function upstreamOrigin(address: string): string {
  const url = new URL(/^https?:\/\//.test(address) ? address : `http://${address}`);
  if (url.protocol !== 'http:' || !url.port || url.pathname !== '/') throw new Error(`an upstream is host:port (or http://host:port), got "${address}"`);
  return url.origin;
}

export class UpstreamSet {
  readonly all: Upstream[];
  private next = 0;
  private running = false;

  constructor(
    addresses: string[],
    private readonly o: UpstreamOptions,
  ) {
    if (addresses.length === 0) throw new Error('the balancer needs at least one upstream');
    // Idle connections close before the gateway's own 5 s keep-alive would close them under a request.
    this.all = addresses.map((a) => {
      const origin = upstreamOrigin(a);
      return new Upstream(origin, new Pool(origin, { keepAliveTimeout: 2000, keepAliveMaxTimeout: 2000, connectTimeout: 2000 }));
    });
  }

  /** The healthy instance with the fewest requests in flight, leaving out `tried`; round robin among equals. */
  pick(tried: ReadonlySet<Upstream> = new Set()): Upstream | undefined {
    const n = this.all.length;
    let best: Upstream | undefined;
    for (let i = 0; i < n; i += 1) {
      const u = this.all[(this.next + i) % n]!;
      if (u.healthy && !tried.has(u) && (best === undefined || u.inFlight < best.inFlight)) best = u;
    }
    if (best) this.next = (this.all.indexOf(best) + 1) % n;
    return best;
  }

  markDown(u: Upstream, why: string): void {
    if (u.healthy) this.o.log(`upstream ${u.origin} is down: ${why}`);
    u.healthy = false;
  }

  private async check(u: Upstream): Promise<void> {
    let why: string;
    try {
      const res = await u.pool.request({ method: 'GET', path: this.o.healthPath, signal: AbortSignal.timeout(this.o.timeoutMs), headersTimeout: this.o.timeoutMs, bodyTimeout: this.o.timeoutMs });
      await res.body.dump();
      if (res.statusCode === 200) {
        if (!u.healthy) this.o.log(`upstream ${u.origin} is up`);
        u.healthy = true;
        u.failedChecks = 0;
        return;
      }
      why = `${this.o.healthPath} answered ${res.statusCode}`;
    } catch (err) {
      why = (err as Error).name === 'TimeoutError' ? `${this.o.healthPath} did not answer within ${this.o.timeoutMs} ms` : `${this.o.healthPath}: ${(err as Error).message}`;
    }
    u.failedChecks += 1;
    if (u.failedChecks >= this.o.fall) this.markDown(u, why);
  }

  /** One check of every instance, then one loop per instance until `close`. */
  async start(): Promise<void> {
    this.running = true;
    await Promise.all(this.all.map((u) => this.check(u)));
    for (const u of this.all) {
      const loop = (): void => {
        u.timer = setTimeout(() => void this.check(u).finally(() => this.running && loop()), this.o.intervalMs);
      };
      loop();
    }
  }

  stats(): Array<{ origin: string; healthy: boolean; inFlight: number; forwarded: number }> {
    return this.all.map((u) => ({ origin: u.origin, healthy: u.healthy, inFlight: u.inFlight, forwarded: u.forwarded }));
  }

  async close(): Promise<void> {
    this.running = false;
    for (const u of this.all) clearTimeout(u.timer);
    await Promise.all(this.all.map((u) => u.pool.destroy()));
  }
}
