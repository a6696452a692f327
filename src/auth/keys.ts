// Tenant API keys: generation, hashing and constant-time verification.
// A key reads `afb_<key id>_<secret>`; the id finds the row, the hash proves the secret.

const KEY_PREFIX = "afb_";
const SECRET_BYTES = 32;

function base64url(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function hex(bytes: ArrayBuffer): string {
  return [...new Uint8Array(bytes)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

export async function sha256Hex(text: string): Promise<string> {
  return hex(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
}

/** Compares two strings in time that depends only on their lengths. */
export function constantTimeEqual(a: string, b: string): boolean {
  const left = new TextEncoder().encode(a);
  const right = new TextEncoder().encode(b);
  if (left.byteLength !== right.byteLength) {
    // Still spend the comparison so the length mismatch is not the only timing signal.
    crypto.subtle.timingSafeEqual(left, left);
    return false;
  }
  return crypto.subtle.timingSafeEqual(left, right);
}

export interface NewKey {
  id: string;
  key: string;
  prefix: string;
  hash: string;
}

export async function generateKey(): Promise<NewKey> {
  const id = base64url(crypto.getRandomValues(new Uint8Array(6))).replace(/[-_]/g, "x");
  const key = `${KEY_PREFIX}${id}_${base64url(crypto.getRandomValues(new Uint8Array(SECRET_BYTES)))}`;
  return { id, key, prefix: key.slice(0, KEY_PREFIX.length + id.length + 5), hash: await sha256Hex(key) };
}

/** Extracts the key id from a presented key, or null when it is not of this form. */
export function keyIdOf(key: string): string | null {
  const match = /^afb_([A-Za-z0-9]{8})_[A-Za-z0-9_-]{20,}$/.exec(key);
  return match ? match[1] : null;
}

/** Returns a short, safe-to-log form of any presented credential. */
export function logPrefix(key: string): string {
  return key.length <= 8 ? "***" : `${key.slice(0, 8)}…`;
}
