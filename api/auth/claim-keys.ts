import { createHash } from "node:crypto";

/**
 * Keys of the auth.identity-claims topic. E-mail and username uniqueness is decided by
 * the log: every claim of one key lands in one partition, in order, and the first live
 * claim wins. E-mails are hashed so the claims topic holds no address.
 */
export function emailClaimKey(email: string): string {
  return `email:${createHash("sha256").update(email.trim().toLowerCase()).digest("hex")}`;
}

export function usernameClaimKey(username: string): string {
  return `username:${username.trim().toLowerCase()}`;
}
