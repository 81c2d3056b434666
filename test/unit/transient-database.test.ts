// node-postgres reports a connect timeout, a query timeout and a session cut off by a killed
// server with messages and no code: a processor must retry them, never dead-letter the message in
// hand (a chaos run's 10 s SIGSTOP of PostgreSQL dead-lettered a products event this way).
import t from 'tap';
import { isDatabaseUnavailable } from '../../projections/db.ts';
import { isTransient } from '../../platform/errors.ts';

const failures = [
  new Error('Connection terminated due to connection timeout'),
  new Error('timeout exceeded when trying to connect'),
  new Error('Query read timeout'),
  new Error('Connection terminated unexpectedly'),
  Object.assign(new Error('canceling statement due to statement timeout'), { code: '57014' }),
  Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }),
];

t.test('database unavailability is transient for processors and 503 for the gateway', async (t) => {
  for (const err of failures) {
    t.ok(isTransient(err), `transient: ${err.message}`);
    t.ok(isDatabaseUnavailable(err), `database unavailable: ${err.message}`);
  }
});

t.test('a bad statement or bad data stays permanent', async (t) => {
  for (const err of [Object.assign(new Error('invalid input syntax for type integer'), { code: '22P02' }), new Error('unsafe SQL identifier: x')]) {
    t.notOk(isTransient(err), `permanent: ${err.message}`);
    t.notOk(isDatabaseUnavailable(err), `not unavailability: ${err.message}`);
  }
});
