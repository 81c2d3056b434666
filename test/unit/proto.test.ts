import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { bytesToVector, vectorToBytes } from '../../proto/client.ts';
import { generate, protoRoot } from '../../proto/generate.ts';

function readTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, e.name);
      if (e.isDirectory()) walk(full);
      else out[path.relative(dir, full)] = fs.readFileSync(full, 'utf8');
    }
  };
  walk(dir);
  return out;
}

t.test('the generated gRPC types are up to date with the .proto files', async (t) => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vitrina-proto-'));
  generate(tmp);
  t.same(readTree(path.join(protoRoot, 'generated')), readTree(tmp), 'run: npx tsx proto/generate.ts');
});

t.test('embeddings travel as float32 little-endian bytes', async (t) => {
  const vector = new Float32Array([0.5, -1.25, 3e-8, 0]);
  const bytes = vectorToBytes(vector);
  t.equal(bytes.length, 16);
  t.equal(bytes.readFloatLE(4), -1.25);
  t.same([...bytesToVector(bytes)], [...vector]);
});
