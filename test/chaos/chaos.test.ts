// The short chaos run (`vitrina chaos --short`'s faults): a 10 s SIGSTOP of PostgreSQL and a
// SIGKILL of the products projector, under continuous ingest and search load, on the chaos suite's
// own stack instance (never the test stack). Every search answers (200, or 503 with Retry-After)
// within 5 s, nothing ingested is lost or applied twice, and the system recovers within 30 s.
import t from 'tap';
import { runChaos, SHORT_FAULTS } from '../../chaos/run.ts';

t.setTimeout(900_000);

const lines: string[] = [];
const result = await runChaos({ faults: SHORT_FAULTS, stopSeconds: 10, downSeconds: 2, recoveryLimitSeconds: 90, log: (line) => lines.push(line) });
t.comment(lines.filter((l) => l.startsWith('|')).join('\n'));

t.equal(result.rows.length, SHORT_FAULTS.length, `a row for each fault: ${SHORT_FAULTS.join(', ')}`);
for (const row of result.rows) {
  t.test(row.fault, async (t) => {
    t.ok(row.searches.ok + row.searches.unavailable > 0, `searches ran during the fault (${row.searches.ok} answered 200, ${row.searches.unavailable} 503)`);
    t.equal(row.searches.hung, 0, 'no search went unanswered for 5 s');
    t.equal(row.searches.other, 0, 'every search answered 200 or 503 with Retry-After');
    t.ok(row.recoverySeconds !== null && row.recoverySeconds <= 30, `recovered within 30 s (${row.recoverySeconds ?? 'not'} s)`);
    t.ok(row.check.expected > 0, `products were ingested (${row.check.expected})`);
    t.equal(row.check.productsLost, 0, 'no product lost');
    t.equal(row.check.productsDuplicated, 0, 'no product applied twice');
    t.ok(row.check.productsChecksumOk, 'the products checksum matches');
    t.equal(row.check.embeddingsLost, 0, 'no embedding lost');
    t.equal(row.check.embeddingsDuplicated, 0, 'no embedding duplicated');
    t.ok(row.check.embeddingsChecksumOk, 'the embeddings checksum matches');
    t.equal(row.deadLetters, 0, 'no dead letter (nothing ingested is poison)');
  });
}
t.test('after the load stops, everything ingested is projected once and embedded', async (t) => {
  t.ok(result.final, 'the final check ran');
  t.equal(result.final?.productsLost, 0);
  t.equal(result.final?.productsDuplicated, 0);
  t.equal(result.final?.embeddingsLost, 0);
});
