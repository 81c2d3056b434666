// The test suite runs on a stack of its own: its own state folder and ports, so `npm test` never
// writes test products into the catalog a user searches, and never stops the user's stack.
// Variables already set in the environment win, so a CI job can still point anywhere.
import path from 'node:path';
import { defaultCacheDir } from '../platform/config.ts';

type Env = Record<string, string | undefined>;

const TEST_PORTS: Record<string, number> = {
  VITRINA_KAFKA_PORT: 29092,
  VITRINA_KAFKA_CONTROLLER_PORT: 29093,
  VITRINA_REGISTRY_PORT: 28081,
  VITRINA_MINIO_PORT: 29000,
  VITRINA_MINIO_CONSOLE_PORT: 29001,
  VITRINA_POSTGRES_PORT: 25432,
};

/** The variables that select the test stack, for those not set in `env`. */
export function testStackEnv(env: Env = process.env): Record<string, string> {
  const wanted: Record<string, string> = { VITRINA_STATE_DIR: path.join(defaultCacheDir(env), 'test-state') };
  for (const [name, port] of Object.entries(TEST_PORTS)) wanted[name] = String(port);
  return Object.fromEntries(Object.entries(wanted).filter(([name]) => env[name] === undefined || env[name] === ''));
}

/** Points this process (and the children it starts) at the test stack. */
export function useTestStack(env: Env = process.env): void {
  Object.assign(env, testStackEnv(env));
}
