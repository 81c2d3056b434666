// A consumer group that rebalances while a processor works on a batch makes the handler's
// heartbeat (or commit) fail with a group-membership error from the coordinator. Nothing is wrong
// with the messages: the batch must go back to Kafka (kafkajs rejoins and re-delivers it), never to
// the dead-letter topic. A chaos run's Kafka freeze dead-lettered an embedder message with "The
// coordinator is not aware of this member". The errors are kafkajs's own, from its protocol table.
import { createRequire } from 'node:module';
import t from 'tap';
import kafkajs from 'kafkajs';
import { applyIsolating, decodeOrPoison, groupCall, isRebalance } from '../../streams/poison-policy.ts';
import { PoisonError } from '../../platform/errors.ts';

const { createErrorFromCode } = createRequire(import.meta.url)('kafkajs/src/protocol/error.js') as { createErrorFromCode(code: number): Error & { type: string } };

// ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID, REBALANCE_IN_PROGRESS, NOT_COORDINATOR (for group),
// MEMBER_ID_REQUIRED, FENCED_INSTANCE_ID
const REBALANCE_CODES = [22, 25, 27, 16, 79, 82];
const noRetry = { retry: { retries: 2, initialMs: 1, maxMs: 1 } };

/** Applies `batch` under the policy with `apply`: what left the policy, what was dead-lettered, how often apply ran. */
async function applyBatch(batch: number[], apply: () => Promise<void>): Promise<{ thrown: unknown; poisoned: number[]; calls: number }> {
  const poisoned: number[] = [];
  let calls = 0;
  const thrown = await applyIsolating(
    batch,
    async () => {
      calls += 1;
      await apply();
    },
    async (item) => {
      poisoned.push(item);
    },
    noRetry,
  ).then(
    () => undefined,
    (err: unknown) => err,
  );
  return { thrown, poisoned, calls };
}

for (const code of REBALANCE_CODES) {
  const error = createErrorFromCode(code);
  t.test(`${error.type} ("${error.message}") during a batch: re-delivered, never dead-lettered`, async (t) => {
    const { thrown, poisoned, calls } = await applyBatch([1, 2, 3, 4, 5, 6], async () => {
      throw error;
    });
    t.equal(thrown, error, 'the error itself leaves the policy (kafkajs reads its type to rejoin)');
    t.same(poisoned, [], 'no message is handed to the dead-letter topic');
    t.equal(calls, 1, 'the batch is neither split nor retried in place (the member rejoins only after the batch)');
    t.ok(isRebalance(error), 'classified as a rebalance');
  });
}

t.test('a rebalance wrapped by kafkajs (retries exceeded) is still a rebalance', async (t) => {
  const wrapped = new kafkajs.KafkaJSNumberOfRetriesExceeded(createErrorFromCode(27), { retryCount: 5, retryTime: 100 });
  t.ok(isRebalance(wrapped));
  const decoded = await decodeOrPoison(() => {
    throw wrapped;
  }, noRetry).then(
    (r) => r,
    (err: unknown) => err,
  );
  t.equal(decoded, wrapped, 'a decode that meets it throws it instead of calling the message poison');
});

t.test('poison is still poison: one bad message among good ones is the only one dead-lettered', async (t) => {
  const poisoned: number[] = [];
  const applied = await applyIsolating(
    [1, 2, 3, 4],
    async (part) => {
      if (part.includes(3)) throw new PoisonError('bad bytes');
    },
    async (item) => {
      poisoned.push(item);
    },
    noRetry,
  );
  t.same(poisoned, [3]);
  t.equal(applied, 3);
  t.notOk(isRebalance(new PoisonError('bad bytes')), 'a poison error is no rebalance');
  t.notOk(isRebalance(createErrorFromCode(2)), 'a CORRUPT_MESSAGE answer is no rebalance');
});

t.test("a heartbeat that cannot reach the group's coordinator (its broker died) leaves the batch at once", async (t) => {
  // On a three-broker cluster with the coordinator's broker SIGKILLed, the embedder's heartbeat
  // failed with ECONNREFUSED to the dead broker; retried in place it met the same cached coordinator
  // for minutes (kafkajs looks for the new one only once eachBatch throws), and nothing was embedded.
  const lost = new kafkajs.KafkaJSConnectionError('Connection error: connect ECONNREFUSED 127.0.0.1:47092', { broker: '127.0.0.1:47092', code: 'ECONNREFUSED' });
  const heartbeat = groupCall(async () => {
    throw lost;
  });
  const { thrown, poisoned, calls } = await applyBatch([1, 2, 3], heartbeat);
  t.equal(thrown, lost, "kafkajs gets its own connection error (retriable: it restarts the consumer and finds the coordinator again)");
  t.equal(calls, 1, 'not retried in place against the dead coordinator');
  t.same(poisoned, [], 'nothing dead-lettered');
  const plain = new kafkajs.KafkaJSConnectionError('Connection error: connect ECONNREFUSED', { broker: 'x', code: 'ECONNREFUSED' });
  t.notOk(isRebalance(plain), "the same error from the handler's own work (a send) is still an ordinary transient failure, retried");
});
