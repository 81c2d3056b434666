// The Avro schemas of Vitrina's events, read from the .avsc files beside this module.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const schemasDir = fileURLToPath(new URL('.', import.meta.url));

export type AvroSchema = Record<string, unknown> & { name: string; namespace?: string; fields?: unknown[] };

export function schemaNames(): string[] {
  return fs
    .readdirSync(schemasDir)
    .filter((f) => f.endsWith('.avsc'))
    .map((f) => f.slice(0, -'.avsc'.length))
    .sort();
}

const cache = new Map<string, AvroSchema>();

export function loadSchema(name: string): AvroSchema {
  let schema = cache.get(name);
  if (!schema) {
    const file = path.join(schemasDir, `${name}.avsc`);
    if (!fs.existsSync(file)) throw new Error(`no Avro schema named ${name} in ${schemasDir}`);
    schema = JSON.parse(fs.readFileSync(file, 'utf8')) as AvroSchema;
    cache.set(name, schema);
  }
  return schema;
}
