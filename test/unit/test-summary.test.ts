import t from 'tap';
import { summarizeTap } from '../../cli/test-summary.ts';

t.test('top-level subtests are counted as passed, failed and skipped', async (t) => {
  const tap = 'TAP version 14\n# Subtest: a\n    ok 1 - x\n    1..1\nok 1 - a\n# Subtest: b\n    not ok 1 - y\n    1..1\nnot ok 2 - b\nok 3 - c # SKIP no server\n1..3\n';
  const s = summarizeTap(tap, 'f');
  t.equal(s.passed, 1);
  t.equal(s.failed, 1);
  t.equal(s.skipped, 1);
  t.same(s.failures, ['f: b']);
});

t.test('a file that crashed before its plan counts as a failure', async (t) => {
  const s = summarizeTap('TAP version 14\nok 1 - a\n', 'g');
  t.equal(s.passed, 1);
  t.equal(s.failed, 1);
});
