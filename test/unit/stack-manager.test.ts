// The stack manager's fault handling, on real processes started from a service defined here.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { loadConfig } from '../../platform/config.ts';
import { down, status, up } from '../../stack/manager.ts';
import { isAlive, readPid } from '../../stack/process.ts';
import { StackError, type Service, type StackContext } from '../../stack/types.ts';
import { markerValid, writeMarker } from '../../stack/marker.ts';

function freshConfig() {
  const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'vitrina-stack-'));
  return loadConfig({ VITRINA_CACHE_DIR: cache });
}

/** A service whose process is `node -e <script>` and whose health is a file the script writes. */
function fakeService(overrides: Partial<Service> & { script?: string; port?: number } = {}): Service & { installs: number } {
  const service = {
    name: 'fake',
    version: '1.0.0',
    tools: [],
    startTimeoutMs: 5_000,
    installs: 0,
    ports: () => (overrides.port ? [overrides.port] : []),
    isInstalled: (ctx: StackContext) => markerValid(ctx.installDir, '1.0.0'),
    async install(ctx: StackContext) {
      service.installs += 1;
      fs.writeFileSync(path.join(ctx.installDir, 'bin.txt'), 'installed');
      writeMarker(ctx.installDir, '1.0.0', ['bin.txt']);
    },
    async command(ctx: StackContext) {
      const ready = path.join(ctx.dataDir, 'ready');
      fs.rmSync(ready, { force: true });
      const script = overrides.script ?? `require('fs').writeFileSync(${JSON.stringify(ready)}, 'ok'); setInterval(() => {}, 1000)`;
      return { command: process.execPath, args: ['-e', script] };
    },
    async health(ctx: StackContext) {
      const ok = fs.existsSync(path.join(ctx.dataDir, 'ready'));
      return { ok, detail: ok ? 'ready' : 'not ready' };
    },
    env: () => ({ FAKE_URL: 'fake://' }),
    ...overrides,
  };
  return service as Service & { installs: number };
}

t.test('up starts, status reports, a second up finds it running, down stops it by PID', async (t) => {
  const config = freshConfig();
  const service = fakeService();
  await up({ config, services: [service] });
  const [row] = await status({ config, services: [service] });
  t.match(row, { name: 'fake', running: true, health: { ok: true } });
  t.ok(row!.rssBytes && row!.rssBytes > 0, 'memory is reported');
  await up({ config, services: [service] });
  t.equal(service.installs, 1, 'installed once');
  const pid = row!.pid!;
  t.same(await down({ config, services: [service] }), ['fake']);
  t.notOk(isAlive(pid), 'no process left behind');
});

t.test('a corrupt cache is detected and installed again', async (t) => {
  const config = freshConfig();
  const service = fakeService();
  await up({ config, services: [service] });
  await down({ config, services: [service] });
  fs.rmSync(path.join(config.cacheDir, 'fake', '1.0.0', 'bin.txt'));
  await up({ config, services: [service] });
  t.equal(service.installs, 2);
  await down({ config, services: [service] });
});

t.test('a port in use gives a clear error naming the port, and starts nothing', async (t) => {
  const blocker = net.createServer().listen(0, '127.0.0.1');
  await new Promise((r) => blocker.once('listening', r));
  t.teardown(() => void blocker.close());
  const port = (blocker.address() as net.AddressInfo).port;
  const config = freshConfig();
  const service = fakeService({ port });
  await t.rejects(up({ config, services: [service] }), { name: 'StackError', message: new RegExp(`port ${port} for fake is already in use`) });
  t.equal(readPid(path.join(config.stateDir, 'fake', 'fake.pid')), undefined, 'no PID recorded');
});

t.test('a service that exits during start reports the end of its log', async (t) => {
  const config = freshConfig();
  const service = fakeService({ script: "console.error('boom: cannot bind'); process.exit(3)" });
  await t.rejects(up({ config, services: [service] }), { message: /fake exited during start: boom: cannot bind/ });
});

t.test('a service that never becomes healthy is stopped and reported', async (t) => {
  const config = freshConfig();
  const service = fakeService({ script: 'setInterval(() => {}, 1000)', startTimeoutMs: 1_500 });
  await t.rejects(up({ config, services: [service] }), { message: /did not become healthy within 1.5 s/ });
  const [row] = await status({ config, services: [service] });
  t.equal(row!.running, false, 'no half-started process left behind');
});

t.test('a failure stops the services this up started before it', async (t) => {
  const config = freshConfig();
  const good = fakeService();
  const bad = { ...fakeService({ script: 'process.exit(1)' }), name: 'broken' };
  await t.rejects(up({ config, services: [good, bad] }), StackError);
  const rows = await status({ config, services: [good, bad] });
  t.same(rows.map((r) => r.running), [false, false]);
});

t.test('a missing toolchain names the tool and the fix', async (t) => {
  const config = freshConfig();
  const service = fakeService({ tools: [{ command: 'definitely-not-a-tool-xyz', versionArgs: ['--version'], fix: 'install xyz' }] });
  await t.rejects(up({ config, services: [service] }), { message: /needs 'definitely-not-a-tool-xyz', which is not on PATH/, fix: 'install xyz' });
});

t.test('an install that fails leaves no marker, so the next up tries again', async (t) => {
  const config = freshConfig();
  const service = fakeService({
    async install() {
      throw new StackError('download failed: connection refused', 'check the network');
    },
  });
  await t.rejects(up({ config, services: [service] }), { message: /download failed/ });
  t.notOk(markerValid(path.join(config.cacheDir, 'fake', '1.0.0'), '1.0.0'));
});
