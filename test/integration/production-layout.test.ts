// The production layout runs the gateway and each processor as separate processes (`vitrina serve
// gateway`, `vitrina processor <name>`), so a stalled gateway cannot stall the pipeline; the
// gateway alone serves the web UI and the models routes too. Here the
// two run as this test's own children with the CLI, on the test stack: the gateway is frozen
// (SIGSTOP to its own PID, the worst a heavy request can do to its event loop) and products emitted
// meanwhile are projected by the products projector all the same; the gateway answers again once
// continued. In `serve all` both share one event loop, so the same freeze stops the projector too.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { freePort } from '../../bench/services.ts';
import { liveGeneration, physical } from '../../projections/catalog.ts';
import { ident } from '../../projections/db.ts';
import { createRuntime } from '../../runtime/runtime.ts';
import { topics } from '../../streams/topics.ts';
import { stopChild } from './children.ts';
import { idBase, startGroupAtEnd, uniqueGroup, waitFor } from './fixtures.ts';
import { emitProducts } from './probe-projection.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const FROZEN_FOR_AT_MOST_MS = 60_000;

function cli(args: string[]): ChildProcess {
  return spawn(process.execPath, [path.join(root, 'bin', 'vitrina.js'), ...args], { cwd: root, env: process.env, stdio: 'ignore' });
}

/** The state letter of a process from /proc (T: stopped). */
function processState(pid: number): string {
  return fs.readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').slice(0, 1);
}

/** Whether the gateway answers an HTTP request within the time given (any status counts). */
async function answers(url: string, withinMs: number): Promise<boolean> {
  try {
    await fetch(`${url}/api/v1/health`, { signal: AbortSignal.timeout(withinMs) });
    return true;
  } catch {
    return false;
  }
}

t.test('a frozen gateway does not stall the products projector: they are separate processes', async (t) => {
  const rt = createRuntime('test-production-layout');
  t.teardown(() => rt.close());
  const group = uniqueGroup('layout');
  await startGroupAtEnd(rt, group, [topics.products.name]);
  // Rows of the live generation's table (read directly: other tests' replays repoint the view).
  const count = async (ids: number[]): Promise<number> => {
    const client = await rt.db.connect();
    try {
      const generation = await liveGeneration(client, 'products');
      if (generation === undefined) return 0;
      const { rows } = await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${ident(physical('products', generation))} WHERE id = ANY($1)`, [ids]);
      return Number(rows[0]!.n);
    } finally {
      client.release();
    }
  };

  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const gateway = cli(['serve', 'gateway', '--port', String(port), '--model-server', '127.0.0.1:1']);
  const projector = cli(['processor', 'projector.products', '--group', group]);
  t.teardown(() => Promise.all([stopChild(gateway), stopChild(projector)]));
  t.not(gateway.pid, projector.pid, 'two processes');
  await waitFor('the gateway to answer', async () => answers(url, 2000), 60_000);
  // The gateway process on its own serves what `serve all`'s does: the web UI and the models routes.
  const page = await fetch(`${url}/`);
  t.match(page.headers.get('content-type'), /text\/html/, 'serve gateway serves the web UI');
  t.equal((await fetch(`${url}/api/v1/models`)).status, 200, 'and the models routes');

  const base = idBase();
  const before = Array.from({ length: 50 }, (_, i) => base + i);
  await emitProducts(rt.producer, before);
  await waitFor('the projector to project the first products', async () => (await count(before)) === before.length, 90_000);

  // Freeze the gateway (its own PID only) and show it is stalled.
  process.kill(gateway.pid!, 'SIGSTOP');
  const frozenAt = Date.now();
  let continued = false;
  t.teardown(() => {
    if (!continued) gateway.kill('SIGCONT');
  });
  t.ok(await waitFor('the gateway process to stop', async () => processState(gateway.pid!) === 'T', 5_000), 'the gateway process is stopped');
  t.notOk(await answers(url, 2000), 'the frozen gateway answers nothing within 2 s');

  const during = Array.from({ length: 200 }, (_, i) => base + 1000 + i);
  await emitProducts(rt.producer, during);
  const projected = await waitFor('the projector to project the products emitted while the gateway is frozen', async () => (await count(during)) === during.length, FROZEN_FOR_AT_MOST_MS);
  t.ok(projected, `all ${during.length} products emitted during the freeze are projected, ${((Date.now() - frozenAt) / 1000).toFixed(1)} s after it began`);
  t.equal(processState(gateway.pid!), 'T', 'the gateway was frozen the whole time');

  gateway.kill('SIGCONT');
  continued = true;
  t.ok(await waitFor('the gateway to answer again', async () => answers(url, 2000), 30_000), 'the gateway answers again once continued');
});
