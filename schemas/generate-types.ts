// Generates schemas/types.generated.ts from the .avsc files, so the TypeScript types of the events
// are never kept by hand. Run: npx tsx schemas/generate-types.ts (a unit test checks it is current).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadSchema, schemaNames, schemasDir } from './index.ts';

type Avro = string | Avro[] | { type: Avro | string; [key: string]: unknown };

interface Field {
  name: string;
  type: Avro;
  doc?: string;
}

const PRIMITIVES: Record<string, string> = {
  null: 'null',
  boolean: 'boolean',
  int: 'number',
  long: 'number',
  float: 'number',
  double: 'number',
  bytes: 'Buffer',
  string: 'string',
};

function tsType(type: Avro, out: string[]): string {
  if (typeof type === 'string') {
    const primitive = PRIMITIVES[type];
    if (primitive) return primitive;
    return type.split('.').pop()!;
  }
  if (Array.isArray(type)) return type.map((t) => tsType(t, out)).join(' | ');
  switch (type.type) {
    case 'array':
      return `Array<${tsType(type.items as Avro, out)}>`;
    case 'map':
      return `Record<string, ${tsType(type.values as Avro, out)}>`;
    case 'enum':
      out.push(`export type ${String(type.name)} = ${(type.symbols as string[]).map((s) => `'${s}'`).join(' | ')};\n`);
      return String(type.name);
    case 'record':
      emitRecord(type as unknown as { name: string; doc?: string; fields: Field[] }, out);
      return String(type.name);
    default:
      return tsType(type.type as Avro, out);
  }
}

function emitRecord(record: { name: string; doc?: string; fields: Field[] }, out: string[]): void {
  const nested: string[] = [];
  const lines = record.fields.map((field) => {
    const doc = field.doc ? `  /** ${field.doc} */\n` : '';
    return `${doc}  ${field.name}: ${tsType(field.type, nested)};`;
  });
  out.push(...nested);
  const doc = record.doc ? `/** ${record.doc} */\n` : '';
  out.push(`${doc}export interface ${record.name} {\n${lines.join('\n')}\n}\n`);
}

export function generateTypes(): string {
  const out: string[] = ['// Generated from schemas/*.avsc by schemas/generate-types.ts. Do not edit.\n'];
  for (const name of schemaNames()) emitRecord(loadSchema(name) as unknown as { name: string; doc?: string; fields: Field[] }, out);
  return out.join('\n');
}

export const generatedFile = path.join(schemasDir, 'types.generated.ts');

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  fs.writeFileSync(generatedFile, generateTypes());
  process.stdout.write(`wrote ${generatedFile}\n`);
}
