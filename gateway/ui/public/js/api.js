// The REST API client: every call goes to /api/v1 on the same origin; errors become ApiError with
// the gateway's message ({error, message, statusCode}) so views can show it as it is.

export const API_BASE = '/api/v1';

export class ApiError extends Error {
  /**
   * @param {number} status HTTP status, 0 when the gateway could not be reached
   * @param {string} message
   * @param {unknown} [body]
   */
  constructor(status, message, body) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.body = body;
  }

  /** The endpoint does not exist on this gateway (yet). */
  get notAvailable() {
    return this.status === 404 || this.status === 501;
  }
}

/**
 * Calls the API and returns the parsed JSON body.
 * @param {string} path e.g. "/search?q=shirt"
 * @param {{ method?: string, body?: BodyInit | object, signal?: AbortSignal, token?: string | null }} [options]
 */
export async function api(path, options = {}) {
  const headers = { accept: 'application/json' };
  let body = options.body;
  if (body && !(body instanceof FormData) && !(body instanceof Blob) && typeof body === 'object') {
    body = JSON.stringify(body);
    headers['content-type'] = 'application/json';
  }
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let res;
  try {
    res = await fetch(`${API_BASE}${path}`, { method: options.method ?? 'GET', headers, body, signal: options.signal });
  } catch (err) {
    if (err && err.name === 'AbortError') throw err;
    throw new ApiError(0, 'The gateway could not be reached. Check that it is running and try again.');
  }
  const type = res.headers.get('content-type') ?? '';
  const data = type.includes('json') ? await res.json().catch(() => null) : null;
  if (!res.ok) {
    const message = data && typeof data.message === 'string' && data.message ? data.message : `${res.status} ${res.statusText || 'error'}`;
    throw new ApiError(res.status, message, data);
  }
  return data;
}

export function isAbort(err) {
  return Boolean(err) && err.name === 'AbortError';
}
