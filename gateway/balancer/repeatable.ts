// Which requests the balancer may send a second time, to another gateway instance, when the first
// one does not answer in time: only those that change nothing. GET and HEAD; and the POSTs that only
// read, the text and image searches and GraphQL documents with no mutation or subscription. An admin
// command (a training run, a promotion, a rollback) is never repeated: it may have taken effect on
// the instance that went silent.

/** The POST paths that only search. */
export const READ_ONLY_POSTS = new Set(['/api/v1/search', '/api/v1/search/image']);
export const GRAPHQL_PATH = '/graphql';

/** Whether the method alone makes a request repeatable, or its path may (a POST worth buffering). */
export function mayRepeat(method: string, path: string): boolean {
  if (method === 'GET' || method === 'HEAD') return true;
  return method === 'POST' && (READ_ONLY_POSTS.has(path) || path === GRAPHQL_PATH);
}

/**
 * Whether a request whose method and path `mayRepeat` is repeatable once its body is known: a
 * GraphQL document is, unless the word mutation or subscription appears anywhere in it (a query that
 * merely mentions the word is not repeated, which costs nothing but the retry).
 */
export function repeatable(method: string, path: string, body: Buffer | undefined): boolean {
  if (!mayRepeat(method, path)) return false;
  if (method !== 'POST' || path !== GRAPHQL_PATH) return true;
  return !/\b(mutation|subscription)\b/.test(body?.toString('utf8') ?? '');
}
