// The model server scales out: a client given several addresses (MODEL_SERVER_ADDRESS=a,b) spreads
// its calls over them, and when one server dies (SIGKILL of its own child process, by PID) every
// call still gets its answer from the other. Server A runs in this process (its stats count the
// texts it embedded), server B is a `vitrina serve model` child with the same tiny model.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { startModelServerChild } from '../../bench/services.ts';
import { startModelServer } from '../../models/server.ts';
import { createEncoderClient, modelServerAddresses } from '../../proto/client.ts';

t.test('modelServerAddresses reads one address or a comma-separated list', async (t) => {
  t.same(modelServerAddresses('127.0.0.1:50051'), ['127.0.0.1:50051']);
  t.same(modelServerAddresses(' a:1, b:2 ,,c:3 '), ['a:1', 'b:2', 'c:3']);
  t.throws(() => modelServerAddresses(' , '), /no model server address/);
});

t.test('two model servers share the calls, and the death of one fails none', async (t) => {
  const a = await startModelServer({ address: '127.0.0.1:0', model: 'tiny', cacheDir: fs.mkdtempSync(path.join(os.tmpdir(), 'vitrina-failover-')), s3: null, threads: 1, maxWaitMs: 0 });
  t.teardown(() => a.stop());
  const b = await startModelServerChild(1, ['--model', 'tiny'], { VITRINA_TINY_MODELS: '1' });
  t.teardown(() => b.stop());

  const client = createEncoderClient(`${a.address},${b.address}`, 10_000);
  t.teardown(() => client.close());
  const texts = (round: number): string[] => [`blue shirt ${round}`, `red dress ${round}`];
  const direct = createEncoderClient(a.address, 10_000);
  const reference = await direct.embedTexts(texts(0));
  direct.close();

  // 40 calls, 8 at a time: both servers answer some.
  const before = a.stats().texts.requests;
  let answered = 0;
  for (let wave = 0; wave < 5; wave += 1) {
    const results = await Promise.all(Array.from({ length: 8 }, () => client.embedTexts(texts(0))));
    for (const r of results) {
      t.equal(r.modelVersion, 'tiny');
      answered += 1;
    }
    t.same([...results[0]!.vectors[0]!], [...reference.vectors[0]!], 'either server gives the same vector');
  }
  const byA = a.stats().texts.requests - before;
  t.equal(answered, 40);
  t.ok(byA > 0 && byA < 40, `server A answered ${byA} of 40 calls, server B the other ${40 - byA}`);

  // Calls keep flowing while B is killed: none fails.
  let failures = 0;
  let calls = 0;
  const stopAt = Date.now() + 4_000;
  const worker = async (): Promise<void> => {
    for (let i = 0; i < 400 && Date.now() < stopAt; i += 1) {
      calls += 1;
      await client.embedTexts(texts(i)).catch(() => {
        failures += 1;
      });
    }
  };
  const load = Promise.all(Array.from({ length: 4 }, worker));
  await new Promise((r) => setTimeout(r, 1_000));
  const pid = b.process.pid!;
  process.kill(pid, 'SIGKILL');
  await load;
  t.ok(b.process.exitCode !== null || b.process.signalCode !== null, `server B (pid ${pid}) is dead`);
  t.ok(calls > 8, `${calls} calls made around the kill`);
  t.equal(failures, 0, 'no call failed when server B died');

  const afterDeath = a.stats().texts.requests;
  const last = await Promise.all(Array.from({ length: 6 }, (_, i) => client.embedTexts(texts(i))));
  t.equal(last.length, 6);
  t.equal(a.stats().texts.requests - afterDeath, 6, 'server A answers every call once B is gone');

  // The failover is real: a client of the dead server alone gets UNAVAILABLE.
  const alone = createEncoderClient(b.address, 3_000);
  t.teardown(() => alone.close());
  const code = await alone.embedTexts(['x']).then(() => 'ok', (err: { code?: number }) => err.code);
  t.equal(code, 14, 'the dead server alone answers UNAVAILABLE');
});
