/**
 * Field-level encryption of personal data in events (crypto-shredding, docs/adr/019-erasure.md):
 * a personal string field carries `pii:v1:<base64url(iv | tag | ciphertext)>`, sealed with
 * AES-256-GCM under its user's key. Destroying the key (key-store.ts) makes every copy in
 * every topic, changelog and backup unreadable, which a log kept forever cannot otherwise do.
 *
 * The field's user and name are the additional data: a sealed value moved to another user
 * or another field fails to open instead of showing the wrong person's data. The Avro type
 * stays `string` (as Confluent's client-side field-level encryption does), so the schemas
 * stay compatible and records written before sealing still read: a value without the
 * prefix is the old plain text.
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";

const prefix = "pii:v1:";
const ivBytes = 12;
const tagBytes = 16;
export const keyBytes = 32;

export const isSealed = (value: string): boolean => value.startsWith(prefix);

const aad = (userId: string, field: string) => Buffer.from(`${userId}/${field}`, "utf8");

export function seal(key: Buffer, userId: string, field: string, plaintext: string): string {
  const iv = randomBytes(ivBytes);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(aad(userId, field));
  const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return prefix + Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64url");
}

/**
 * The plain text of a field: itself when it was never sealed, null when it is sealed and
 * the key is gone (the user was erased). A wrong key, user or field throws: that is a bug
 * or tampering, not an erasure.
 */
export function open(
  key: Buffer | undefined,
  userId: string,
  field: string,
  value: string,
): string | null {
  if (!isSealed(value)) return value;
  if (!key) return null;
  const raw = Buffer.from(value.slice(prefix.length), "base64url");
  const decipher = createDecipheriv("aes-256-gcm", key, raw.subarray(0, ivBytes));
  decipher.setAAD(aad(userId, field));
  decipher.setAuthTag(raw.subarray(ivBytes, ivBytes + tagBytes));
  return Buffer.concat([
    decipher.update(raw.subarray(ivBytes + tagBytes)),
    decipher.final(),
  ]).toString("utf8");
}

/** Seals the named fields of a payload (null stays null: absence is not personal). */
export function sealFields<T extends object>(
  key: Buffer,
  userId: string,
  payload: T,
  fields: readonly string[],
): T {
  const out = { ...payload } as Record<string, unknown>;
  for (const field of fields) {
    const value = out[field];
    if (typeof value === "string") out[field] = seal(key, userId, field, value);
  }
  return out as T;
}

/**
 * Opens the named fields; undefined when any sealed one cannot be opened (no key): the
 * record then stands for an erased user and must not be applied.
 */
export function openFields<T extends object>(
  key: Buffer | undefined,
  userId: string,
  payload: T,
  fields: readonly string[],
): T | undefined {
  const out = { ...payload } as Record<string, unknown>;
  for (const field of fields) {
    const value = out[field];
    if (typeof value !== "string") continue;
    const opened = open(key, userId, field, value);
    if (opened === null) return undefined;
    out[field] = opened;
  }
  return out as T;
}
