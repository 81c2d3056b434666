// Avro in the Confluent wire format (magic byte, 4-byte schema id, Avro body) through the schema
// registry. Subjects follow TopicNameStrategy ("<topic>-value") with BACKWARD_TRANSITIVE
// compatibility, so the newest reader can decode every version ever written; decoding always
// resolves the writer's schema into this build's schema of the topic.
import { COMPATIBILITY, SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import avro from 'avsc';
import { loadSchema, type AvroSchema } from '../schemas/index.ts';
import { processConfig } from '../platform/config.ts';
import { errorMessage, PoisonError, TransientError } from '../platform/errors.ts';
import { withTimeout } from '../platform/timeout.ts';
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

  /**
   * @param timeoutMs how long one schema look-up may take before it counts as a transient failure
   * (a registry that accepts connections and then stalls would otherwise hang the decode).
   */
  constructor(registryUrl: string = processConfig().schemaRegistryUrl, private readonly timeoutMs = 10_000) {
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

  /**
   * Decodes any version written to the topic into this build's schema of it. Poison (PoisonError):
   * no Confluent magic byte, a schema id the registry answers 404 for, a body that does not decode.
   * Anything else in reaching the registry (refused, timed out, 5xx) is a TransientError, to retry.
   */
  async decode<T extends AvroTopic>(topic: T, buffer: Buffer): Promise<EventOf[T]> {
    if (buffer.length < 5 || buffer[0] !== 0) throw new NotAvroError(`not a Confluent Avro message (${buffer.length} bytes)`);
    const writerId = buffer.readInt32BE(1);
    const key = `${topic}#${writerId}`;
    let resolver = this.resolvers.get(key);
    const reader = this.reader(topic);
    if (!resolver) {
      const writer = await this.writerSchema(writerId);
      try {
        resolver = reader.equals(writer) ? 'same' : reader.createResolver(writer);
      } catch (err) {
        throw new PoisonError(`schema id ${writerId} cannot be read as ${topic}: ${errorMessage(err)}`);
      }
      this.resolvers.set(key, resolver);
    }
    const body = buffer.subarray(5);
    try {
      return (resolver === 'same' ? reader.fromBuffer(body) : reader.fromBuffer(body, resolver)) as EventOf[T];
    } catch (err) {
      throw new PoisonError(`the Avro body does not decode with schema id ${writerId}: ${errorMessage(err)}`);
    }
  }

  /** The writer's schema of a registry id, asked for within the registry timeout. */
  private async writerSchema(id: number): Promise<avro.Type> {
    try {
      const answer = this.registry.getSchema(id);
      return (await withTimeout(answer, this.timeoutMs, () => new TransientError(`the schema registry did not answer for schema id ${id} within ${this.timeoutMs} ms`))) as unknown as avro.Type;
    } catch (err) {
      if (err instanceof TransientError) throw err;
      if ((err as { status?: number }).status === 404) throw new PoisonError(`schema id ${id} is unknown to the schema registry`);
      throw new TransientError(`the schema registry could not give schema id ${id}: ${errorMessage(err)}`, { cause: err });
    }
  }
}

/** A message without the Confluent Avro framing. */
export class NotAvroError extends PoisonError {
  override name = 'NotAvroError';
}
