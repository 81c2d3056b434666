import avro from 'avsc';
import fs from 'node:fs';
import t from 'tap';
import { loadSchema, schemaNames } from '../../schemas/index.ts';
import { generatedFile, generateTypes } from '../../schemas/generate-types.ts';
import { allTopics } from '../../streams/topics.ts';

t.test('every schema parses, has a namespace and documents itself', async (t) => {
  const names = schemaNames();
  t.ok(names.length >= 8);
  for (const name of names) {
    const schema = loadSchema(name);
    t.equal(schema.namespace, 'dev.vitrina.events', `${name} namespace`);
    t.type(schema.doc, 'string', `${name} doc`);
    t.doesNotThrow(() => avro.Type.forSchema(schema as avro.Schema), `${name} is valid Avro`);
  }
});

t.test('every Avro topic names a schema that exists', async (t) => {
  for (const topic of allTopics) if (topic.value !== 'json') t.ok(schemaNames().includes(topic.value), topic.name);
});

t.test('the generated TypeScript types are up to date with the .avsc files', async (t) => {
  t.equal(fs.readFileSync(generatedFile, 'utf8'), generateTypes(), 'run: npx tsx schemas/generate-types.ts');
});
