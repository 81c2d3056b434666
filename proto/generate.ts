// Generates the TypeScript types of the gRPC messages (proto/generated/) with
// @grpc/proto-loader's generator, so no message type is kept by hand. A unit test checks they are
// current. Run: npx tsx proto/generate.ts
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const protoRoot = fileURLToPath(new URL('.', import.meta.url));
export const protoFiles = ['vitrina/encoder/v1/encoder.proto'];
export const loaderOptions = { keepCase: false, longs: String, enums: String, defaults: true, oneofs: true, includeDirs: [protoRoot] };

export function generate(outDir: string): void {
  const bin = path.join(protoRoot, '..', 'node_modules', '.bin', 'proto-loader-gen-types');
  fs.rmSync(outDir, { recursive: true, force: true });
  const run = spawnSync(bin, [...protoFiles, '--longs=String', '--enums=String', '--defaults', '--oneofs', '--grpcLib=@grpc/grpc-js', '--importFileExtension=.ts', `--outDir=${outDir}`, `--includeDirs=${protoRoot}`], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`proto-loader-gen-types failed: ${run.stderr}`);
  // Name the original file relative to the repository, not by this machine's path.
  for (const file of listFiles(outDir)) {
    const text = fs.readFileSync(file, 'utf8');
    fs.writeFileSync(file, text.replaceAll(`Original file: ${protoRoot}`, 'Original file: proto/'));
  }
}

function listFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? listFiles(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  generate(path.join(protoRoot, 'generated'));
  process.stdout.write('wrote proto/generated\n');
}
