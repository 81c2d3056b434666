// `startBalancer`: an HTTP load balancer in front of several gateway instances (`vitrina serve
// balancer`), so that one instance killed or frozen costs no search: it checks each instance's
// liveness, forwards each request to a healthy one (proxy.ts) and repeats a read-only request on
// another when the first does not answer in time. See README.md in this folder.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createProxy, type ProxyLimits } from './proxy.ts';
import { UpstreamSet } from './upstreams.ts';

export interface BalancerOptions extends Partial<ProxyLimits> {
  /** host:port of each gateway instance. */
  upstreams: string[];
  host?: string;
  /** 0 picks a free port. */
  port: number;
  healthPath?: string;
  healthIntervalMs?: number;
  healthTimeoutMs?: number;
  /** Failed checks in a row that take an instance out. */
  fall?: number;
  log?: (line: string) => void;
}

/**
 * The defaults, chosen against the gateway's own timers: a gateway answers a stalled dependency with
 * a 503 after its request deadline (VITRINA_REQUEST_DEADLINE_MS, 3 s), so an attempt waits a little
 * longer than that before it counts as lost, and the retry fits in what is left of 4.5 s, under
 * the 5 s after which the chaos suite counts a search as hung.
 */
export const BALANCER_DEFAULTS = {
  healthPath: '/api/v1/health/live',
  healthIntervalMs: 500,
  healthTimeoutMs: 500,
  fall: 2,
  attemptTimeoutMs: 3500,
  requestBudgetMs: 4500,
  timeoutMs: 60_000,
  bodyTimeoutMs: 30_000,
  maxBodyBytes: 16 * 1024 * 1024,
} as const;

export interface RunningBalancer {
  url: string;
  upstreams: UpstreamSet;
  close(): Promise<void>;
}

export async function startBalancer(options: BalancerOptions): Promise<RunningBalancer> {
  const o = { ...BALANCER_DEFAULTS, ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) } as typeof BALANCER_DEFAULTS & BalancerOptions;
  const log = o.log ?? (() => undefined);
  const upstreams = new UpstreamSet(o.upstreams, { healthPath: o.healthPath, intervalMs: o.healthIntervalMs, timeoutMs: o.healthTimeoutMs, fall: o.fall, log });
  await upstreams.start();
  const server = http.createServer(createProxy(upstreams, o, log));
  // The gateway's own bounds on a client (gateway/README.md): headers within 10 s, the request within 60 s.
  server.headersTimeout = 10_000;
  server.requestTimeout = 60_000;
  server.keepAliveTimeout = 5000;
  const host = o.host ?? '127.0.0.1';
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(o.port, host, () => resolve());
    });
  } catch (err) {
    await upstreams.close();
    if ((err as { code?: string }).code === 'EADDRINUSE') throw new Error(`port ${o.port} on ${host} is already in use; pick another with --port`);
    throw err;
  }
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    upstreams,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await upstreams.close();
    },
  };
}
