import t from 'tap';
import { backoffDelay, withRetries } from '../../platform/backoff.ts';
import { isTransient, PoisonError, TransientError } from '../../platform/errors.ts';

t.test('transient failures are retried, permanent ones are not', async (t) => {
  let calls = 0;
  const value = await withRetries(async () => {
    calls += 1;
    if (calls < 3) throw Object.assign(new Error('refused'), { code: 'ECONNREFUSED' });
    return 'done';
  }, { retries: 5, initialMs: 1, maxMs: 2 });
  t.equal(value, 'done');
  t.equal(calls, 3);

  let permanent = 0;
  await t.rejects(withRetries(async () => {
    permanent += 1;
    throw new PoisonError('bad field');
  }, { retries: 5, initialMs: 1, maxMs: 2 }), PoisonError);
  t.equal(permanent, 1);
});

t.test('retries stop after the limit with the last error', async (t) => {
  let calls = 0;
  await t.rejects(withRetries(async () => {
    calls += 1;
    throw new TransientError('still down');
  }, { retries: 2, initialMs: 1, maxMs: 1 }), /still down/);
  t.equal(calls, 3);
});

t.test('classification of errors', async (t) => {
  t.ok(isTransient({ code: '57P01' }), 'postgres admin shutdown');
  t.ok(isTransient({ name: 'KafkaJSConnectionError' }));
  t.ok(isTransient(new Error('wrapped', { cause: { code: 'ECONNRESET' } })));
  t.notOk(isTransient(new Error('syntax error')));
  t.notOk(isTransient(undefined));
});

t.test('backoff grows exponentially and is capped', async (t) => {
  const opts = { initialMs: 100, maxMs: 1000 };
  t.equal(backoffDelay(0, opts, () => 1), 100);
  t.equal(backoffDelay(2, opts, () => 1), 400);
  t.equal(backoffDelay(10, opts, () => 1), 1000);
  t.equal(backoffDelay(3, opts, () => 0), 400);
});
