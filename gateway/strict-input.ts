// Checks of the raw request before the schemas coerce it: the query string must be well-formed
// percent-encoded UTF-8 (a malformed one used to reach the search as literal "%E0%A4"), integers in
// the path and the query must be written in decimal digits (the schemas' coercion would read
// "1e3" as 1000 and "0x10" as 16), and a JSON body's strings must be JSON strings (not numbers
// coerced to strings).
import type { FastifyRequest } from 'fastify';
import { badRequest } from './errors.ts';

const DECIMAL = /^-?[0-9]+$/;

/** Throws a 400 when the query string has a "%" not followed by two hex digits, or bytes that are not UTF-8. */
export function checkQueryEncoding(rawUrl: string): void {
  const q = rawUrl.indexOf('?');
  if (q < 0) return;
  for (const piece of rawUrl.slice(q + 1).split('&')) {
    try {
      decodeURIComponent(piece.replace(/\+/g, ' '));
    } catch {
      throw badRequest(`the query string has malformed percent-encoding (a "%" must be followed by two hex digits, and the bytes must be UTF-8): "${piece.slice(0, 80)}"`);
    }
  }
}

interface PropertySchema {
  type?: string | string[];
  items?: PropertySchema;
}

type Properties = Record<string, PropertySchema>;

function propertiesOf(schema: unknown): Properties | undefined {
  const s = schema as { properties?: Properties; content?: Record<string, { schema?: { properties?: Properties } }> } | undefined;
  return s?.properties ?? s?.content?.['application/json']?.schema?.properties;
}

function checkDecimal(properties: Properties | undefined, values: unknown): void {
  if (!properties || !values || typeof values !== 'object') return;
  for (const [name, property] of Object.entries(properties)) {
    const raw = (values as Record<string, unknown>)[name];
    if (raw === undefined) continue;
    const integer = property.type === 'integer' || (property.type === 'array' && property.items?.type === 'integer');
    if (!integer) continue;
    for (const value of Array.isArray(raw) ? raw : [raw]) {
      if (typeof value === 'string' && !DECIMAL.test(value)) throw badRequest(`${name} must be an integer written in decimal digits, got "${value.slice(0, 40)}"`);
    }
  }
}

function checkJsonTypes(properties: Properties | undefined, body: unknown): void {
  if (!properties || !body || typeof body !== 'object' || Array.isArray(body)) return;
  for (const [name, property] of Object.entries(properties)) {
    const value = (body as Record<string, unknown>)[name];
    if (value === undefined) continue;
    if (property.type === 'string' && typeof value !== 'string') throw badRequest(`${name} must be a string, got ${value === null ? 'null' : typeof value}`);
    if (property.type === 'integer' && typeof value !== 'number') throw badRequest(`${name} must be a number, got ${value === null ? 'null' : typeof value}`);
  }
}

/** A preValidation hook: the raw path parameters, query and JSON body against the route's schema. */
export async function strictInput(request: FastifyRequest): Promise<void> {
  const schema = request.routeOptions.schema;
  if (!schema) return;
  checkDecimal(propertiesOf(schema.params), request.params);
  checkDecimal(propertiesOf(schema.querystring), request.query);
  if (request.headers['content-type']?.startsWith('application/json')) checkJsonTypes(propertiesOf(schema.body), request.body);
}
