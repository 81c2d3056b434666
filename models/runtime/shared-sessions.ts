// ONNX sessions shared by every loaded model version that uses the same file (the locked MiniLM
// text tower under several base/adapter versions), reference-counted and released with the last.
import path from 'node:path';
import { createSession, type ort } from './session.ts';

interface Shared {
  session: Promise<ort.InferenceSession>;
  refs: number;
}

const sessions = new Map<string, Shared>();

function keyOf(file: string, threads: number | undefined): string {
  return `${path.resolve(file)}#${threads ?? 'default'}`;
}

export async function acquireSession(file: string, threads?: number): Promise<ort.InferenceSession> {
  const key = keyOf(file, threads);
  let shared = sessions.get(key);
  if (!shared) {
    shared = { session: createSession(file, { threads }), refs: 0 };
    sessions.set(key, shared);
    shared.session.catch(() => sessions.delete(key));
  }
  shared.refs += 1;
  return shared.session;
}

export async function releaseSession(file: string, threads?: number): Promise<void> {
  const key = keyOf(file, threads);
  const shared = sessions.get(key);
  if (!shared) return;
  shared.refs -= 1;
  if (shared.refs > 0) return;
  sessions.delete(key);
  await (await shared.session).release();
}
