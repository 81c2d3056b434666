// Avro in the Confluent wire format (magic byte, 4-byte schema id, Avro body) through the schema
// registry. Subjects follow TopicNameStrategy ("<topic>-value") with BACKWARD_TRANSITIVE
// compatibility, so the newest reader can decode every version ever written; decoding always
// resolves the writer's schema into this build's schema of the topic.
import { COMPATIBILITY, SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import avro from 'avsc';
import { loadSchema, type AvroSchema } from '../schemas/index.ts';
import { loadConfig } from './config.ts';
import { specOf, valueSubject, type AvroTopic, type EventOf } from './topics.ts';

type Resolver = ReturnType<avro.Type['createResolver']>;

interface SubjectApi {
  config: (req: { subject: string }) => Promise<{ data: () => { compatibilityLevel?: string } }>;
  updateConfig: (req: { subject: string; body: { compatibility: string } }) => Promise<unknown>;
}

export const SUBJECT_COMPATIBILITY = COMPATIBILITY.BACKWARD_TRANSITIVE;

export class EventCodec {
  readonly registry: SchemaRegistry;
  private readonly ids = new Map<string, Promise<number>>();
  private readonly readers = new Map<string, avro.Type>();
  private readonly resolvers = new Map<string, Resolver | 'same'>();

  constructor(registryUrl: string = loadConfig().schemaRegistryUrl) {
    this.registry = new SchemaRegistry({ host: registryUrl, retry: { retries: 3 } });
  }

  schemaOf(topic: AvroTopic): AvroSchema {
    return loadSchema(specOf(topic).value);
  }

  private reader(topic: AvroTopic): avro.Type {
    let type = this.readers.get(topic);
    if (!type) {
      type = avro.Type.forSchema(this.schemaOf(topic) as avro.Schema);
      this.readers.set(topic, type);
    }
    return type;
  }

  /** Registers this build's schema of the topic (once per process) and returns its registry id. */
  register(topic: AvroTopic): Promise<number> {
    let id = this.ids.get(topic);
    if (!id) {
      id = this.registerSchema(valueSubject(topic), this.schemaOf(topic));
      id.catch(() => this.ids.delete(topic));
      this.ids.set(topic, id);
    }
    return id;
  }

  /** Registers a schema under a subject, setting the subject's compatibility level first. */
  async registerSchema(subject: string, schema: AvroSchema): Promise<number> {
    await this.setCompatibility(subject);
    const { id } = await this.registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(schema) }, { subject, compatibility: SUBJECT_COMPATIBILITY });
    return id;
  }

  /** Sets the subject's compatibility level unless it already has it. */
  private async setCompatibility(subject: string): Promise<void> {
    const api = (this.registry as unknown as { api: { Subject: SubjectApi } }).api;
    try {
      const level = (await api.Subject.config({ subject })).data().compatibilityLevel;
      if (level?.toUpperCase() === SUBJECT_COMPATIBILITY) return;
    } catch (err) {
      if ((err as { status?: number }).status !== 404) throw err;
    }
    try {
      await api.Subject.updateConfig({ subject, body: { compatibility: SUBJECT_COMPATIBILITY } });
    } catch (err) {
      // Apicurio answers 409 when another writer created the subject's rule a moment earlier.
      if ((err as { status?: number }).status !== 409) throw err;
    }
  }

  async encode<T extends AvroTopic>(topic: T, value: EventOf[T]): Promise<Buffer> {
    const id = await this.register(topic);
    return this.registry.encode(id, value);
  }

  /** Decodes any version written to the topic into this build's schema of it. */
  async decode<T extends AvroTopic>(topic: T, buffer: Buffer): Promise<EventOf[T]> {
    if (buffer.length < 5 || buffer[0] !== 0) throw new NotAvroError(`not a Confluent Avro message (${buffer.length} bytes)`);
    const writerId = buffer.readInt32BE(1);
    const key = `${topic}#${writerId}`;
    let resolver = this.resolvers.get(key);
    const reader = this.reader(topic);
    if (!resolver) {
      const writer = (await this.registry.getSchema(writerId)) as unknown as avro.Type;
      resolver = reader.equals(writer) ? 'same' : reader.createResolver(writer);
      this.resolvers.set(key, resolver);
    }
    const body = buffer.subarray(5);
    return (resolver === 'same' ? reader.fromBuffer(body) : reader.fromBuffer(body, resolver)) as EventOf[T];
  }
}

export class NotAvroError extends Error {
  override name = 'NotAvroError';
}
