// Who may request training, promote or roll back by hand: whoever presents the admin token. A
// presented token is only ever checked against an expected one, compared in constant time (sha256
// of both): the gateway's configured VITRINA_ADMIN_TOKEN (adminGuard), or for the CLI the token's
// sha256 in VITRINA_ADMIN_TOKEN_SHA256; with nothing to check against, nothing is accepted. A
// configured token must be strong, or the server refuses to start. Events record one identity per
// token, "admin:<12 hex of its sha256>", whether the gateway or the CLI acted; never the token.
import crypto from 'node:crypto';

export class AdminAuthError extends Error {
  override name = 'AdminAuthError';
}

export const MIN_TOKEN_LENGTH = 24;
const MIN_DISTINCT_CHARACTERS = 6;

function sha256(text: string): Buffer {
  return crypto.createHash('sha256').update(text).digest();
}

/** "admin:<first 12 hex of sha256(token)>": who acted, without the secret. */
export function adminIdentity(token: string): string {
  return `admin:${sha256(token).toString('hex').slice(0, 12)}`;
}

/** Why a token is too weak to be configured, or undefined. */
function weakness(token: string): string | undefined {
  if (token.length < MIN_TOKEN_LENGTH) return `it has ${token.length} characters; at least ${MIN_TOKEN_LENGTH} are required`;
  const distinct = new Set(token).size;
  if (distinct < MIN_DISTINCT_CHARACTERS) return `it has only ${distinct} distinct characters; at least ${MIN_DISTINCT_CHARACTERS} are required`;
  return undefined;
}

export interface ExpectedToken {
  /** The token itself (a server's own configuration). */
  token?: string;
  /** Its sha256 in hex. */
  sha256?: string;
}

/** Checks a presented token against the expected one; returns the identity to record, or throws AdminAuthError. */
export function verifyAdminToken(presented: string | undefined, expected: ExpectedToken): string {
  if (!presented) throw new AdminAuthError('an admin token is required: set VITRINA_ADMIN_TOKEN (or send "Authorization: Bearer <token>")');
  const want = expected.token ? sha256(expected.token) : expected.sha256 ? Buffer.from(expected.sha256, 'hex') : undefined;
  if (want === undefined) throw new AdminAuthError('there is no expected admin token to check against, so no token is accepted');
  if (want.length !== 32 || !crypto.timingSafeEqual(sha256(presented), want)) throw new AdminAuthError('the admin token is not valid');
  return adminIdentity(presented);
}

/** What the gateway's admin routes call: the identity of a presented token, or AdminAuthError. */
export interface AdminGuard {
  verify(presented: string | undefined): string;
}

/**
 * The guard of a server configured with `token` (VITRINA_ADMIN_TOKEN): undefined when none is set
 * (admin commands off); throws AdminAuthError at start-up when the token is weak.
 */
export function adminGuard(token: string | undefined, name = 'VITRINA_ADMIN_TOKEN'): AdminGuard | undefined {
  if (!token) return undefined;
  const weak = weakness(token);
  if (weak) throw new AdminAuthError(`${name} is too weak: ${weak} (for example: openssl rand -hex 24)`);
  return { verify: (presented) => verifyAdminToken(presented, { token }) };
}

/** The CLI's check of the settings its command read: VITRINA_ADMIN_TOKEN against VITRINA_ADMIN_TOKEN_SHA256, which must be set. */
export function verifyCliAdmin(env: { readonly VITRINA_ADMIN_TOKEN?: string; readonly VITRINA_ADMIN_TOKEN_SHA256?: string }): string {
  const expected = env.VITRINA_ADMIN_TOKEN_SHA256;
  if (!env.VITRINA_ADMIN_TOKEN) return verifyAdminToken(undefined, {});
  if (!expected) {
    throw new AdminAuthError(
      'set VITRINA_ADMIN_TOKEN_SHA256 to the sha256 of the deployment\'s admin token (printf %s "$TOKEN" | sha256sum): without it the CLI cannot check VITRINA_ADMIN_TOKEN and accepts none',
    );
  }
  if (!/^[0-9a-f]{64}$/i.test(expected)) throw new AdminAuthError('VITRINA_ADMIN_TOKEN_SHA256 must be 64 hex digits (the sha256 of the admin token)');
  return verifyAdminToken(env.VITRINA_ADMIN_TOKEN, { sha256: expected.toLowerCase() });
}
