// Two real gateways behind the balancer (gateway/balancer/) on the test stack: one in a process of
// this test's own, frozen by its PID (SIGSTOP) for a few seconds, one in this process. Every search
// through the balancer meanwhile answers 200 within 5 s; once the frozen gateway continues, the
// balancer sends it traffic again. The gateway is continued and stopped at the end, even on failure.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { startBalancer } from '../../gateway/balancer/server.ts';
import { sleep } from '../../platform/sleep.ts';
import { stopChild } from './children.ts';
import { waitFor } from './fixtures.ts';
import { startGatewayStack, STACK_COLOURS, STACK_TYPES } from './gateway-stack.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const FROZEN_MS = 6000;
const HUNG_MS = 5000;

/** The URL the child prints once it listens. */
function listeningUrl(child: ChildProcess, timeoutMs: number): Promise<string> {
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the gateway printed no URL within ${timeoutMs / 1000} s: ${out}`)), timeoutMs);
    const read = (chunk: Buffer): void => {
      out += chunk.toString();
      const match = /gateway listening on http:\/\/(127\.0\.0\.1:\d+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout!.on('data', read);
    child.stderr!.on('data', read);
    child.once('exit', (code) => reject(new Error(`the gateway exited (${code}): ${out}`)));
  });
}

t.test('one of two gateways frozen: every search through the balancer answers 200 within 5 s; continued, it serves again', async (t) => {
  const stack = await startGatewayStack(t, 12);
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'test', 'integration', 'gateway-process.ts'), stack.namespace, stack.modelServerAddress], {
    cwd: root,
    env: { ...process.env, VITRINA_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.teardown(() => stopChild(child));
  const frozenGateway = await listeningUrl(child, 60_000);
  const balancer = await startBalancer({ upstreams: [frozenGateway, new URL(stack.url).host], port: 0 });
  t.teardown(() => balancer.close());
  const forwarded = (): number[] => balancer.upstreams.stats().map((u) => u.forwarded);

  let n = 0;
  const search = async (): Promise<{ status: number | string; ms: number }> => {
    const q = `${STACK_COLOURS[n % 3]} ${STACK_TYPES[n % 3]} ${n++}`;
    const began = Date.now();
    try {
      const res = await fetch(`${balancer.url}/api/v1/search?q=${encodeURIComponent(q)}&k=5`, { signal: AbortSignal.timeout(HUNG_MS) });
      await res.arrayBuffer();
      return { status: res.status, ms: Date.now() - began };
    } catch (err) {
      return { status: (err as Error).name, ms: Date.now() - began };
    }
  };

  for (let i = 0; i < 6; i += 1) t.equal((await search()).status, 200, `search ${i} before the freeze: 200`);
  t.ok(forwarded().every((f) => f > 0), `both gateways served before the freeze (${forwarded().join(', ')})`);

  process.kill(child.pid!, 'SIGSTOP');
  const during: Array<{ status: number | string; ms: number }> = [];
  const until = Date.now() + FROZEN_MS;
  while (Date.now() < until && during.length < 60) {
    during.push(await search());
    await sleep(100);
  }
  const frozenHealthy = balancer.upstreams.stats()[0]!.healthy;
  child.kill('SIGCONT');
  t.ok(during.length >= 5, `${during.length} searches while one gateway was frozen`);
  t.same(during.filter((r) => r.status !== 200), [], 'every one answered 200');
  const slowest = Math.max(...during.map((r) => r.ms));
  t.ok(slowest < HUNG_MS, `the slowest within 5 s (${slowest} ms)`);
  t.notOk(frozenHealthy, 'the balancer had taken the frozen gateway out');

  await waitFor('the continued gateway to be healthy again', async () => balancer.upstreams.stats().every((u) => u.healthy), 20_000);
  const before = forwarded();
  for (let i = 0; i < 8; i += 1) t.equal((await search()).status, 200, `search ${i} after SIGCONT: 200`);
  const after = forwarded();
  t.ok(after.every((f, i) => f > before[i]!), `both gateways get traffic again (${before.join(', ')} → ${after.join(', ')})`);
});
