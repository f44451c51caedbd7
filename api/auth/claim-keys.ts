import { createHash } from "node:crypto";

/**
 * The identity protocol shared by the write API and vobe-identity-owners
 * (processors/topologies/identity-owners.ts), which alone decides who holds a key.
 *
 * Keys of the auth.identity-claims topic: every claim of one key lands in one partition,
 * in order. E-mails are hashed so the claims topic holds no address.
 */
export function emailClaimKey(email: string): string {
  return `email:${createHash("sha256").update(email.trim().toLowerCase()).digest("hex")}`;
}

export function usernameClaimKey(username: string): string {
  return `username:${username.trim().toLowerCase()}`;
}

/**
 * A claim whose account is registered (its UserRegistered's occurredAt) less than this
 * after the claim holds the key for good; otherwise a claim made at least this long after
 * it takes the key over (an abandoned sign-up). The sign-up registers well inside it.
 */
export const claimWindowMs = 30_000;
