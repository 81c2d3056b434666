// Who may promote or roll back by hand: whoever presents the admin token. The CLI reads it from
// VITRINA_ADMIN_TOKEN and refuses without it; where the expected token is known (the gateway's
// VITRINA_ADMIN_TOKEN, or its sha256 in VITRINA_ADMIN_TOKEN_SHA256 for a CLI on another machine)
// it must match, compared in constant time. Events record a short digest of the token, never the
// token itself.
import crypto from 'node:crypto';

export class AdminAuthError extends Error {
  override name = 'AdminAuthError';
}

const MIN_LENGTH = 16;

function sha256(text: string): Buffer {
  return crypto.createHash('sha256').update(text).digest();
}

/** "admin:<first 8 hex of sha256(token)>": who acted, without the secret. */
export function adminIdentity(token: string): string {
  return `admin:${sha256(token).toString('hex').slice(0, 8)}`;
}

export interface ExpectedToken {
  /** The token itself (a server's own configuration). */
  token?: string;
  /** Its sha256 in hex. */
  sha256?: string;
}

/** Checks a presented token; returns the identity to record, or throws AdminAuthError. */
export function verifyAdminToken(presented: string | undefined, expected: ExpectedToken = {}): string {
  if (!presented) throw new AdminAuthError('an admin token is required: set VITRINA_ADMIN_TOKEN (or send "Authorization: Bearer <token>")');
  if (presented.length < MIN_LENGTH) throw new AdminAuthError(`the admin token must be at least ${MIN_LENGTH} characters`);
  const want = expected.token !== undefined ? sha256(expected.token) : expected.sha256 ? Buffer.from(expected.sha256, 'hex') : undefined;
  if (want !== undefined && (want.length !== 32 || !crypto.timingSafeEqual(sha256(presented), want))) throw new AdminAuthError('the admin token is not valid');
  return adminIdentity(presented);
}

/** The CLI's check: the token from the environment, against VITRINA_ADMIN_TOKEN_SHA256 when set. */
export function verifyCliAdmin(env: Record<string, string | undefined> = process.env): string {
  return verifyAdminToken(env.VITRINA_ADMIN_TOKEN, { sha256: env.VITRINA_ADMIN_TOKEN_SHA256 || undefined });
}
