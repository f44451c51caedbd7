/**
 * Who holds each unique identity (e-mail, username), derived from auth.identity-claims and
 * auth.users. Every claim of one key is in one partition, in order, so every API instance
 * sees the same order and agrees on the first live claim.
 */
import type { EventTypes } from "../events/event-types.ts";
import { createTopicView, type TopicView, type ViewSource } from "./topic-view.ts";

/** A claim by someone who has not registered stays live this long (a sign-up in progress). */
export const claimWindowMs = 30_000;

interface Claim {
  userId: string;
  claimedAt: number;
  released: boolean;
}

export interface IdentityState {
  claims: Map<string, Claim[]>;
  accounts: Map<string, "registered" | "erased">;
}

export function createIdentityClaimsView(
  source: ViewSource,
  types: EventTypes,
): TopicView<IdentityState> {
  const initial: IdentityState = { claims: new Map(), accounts: new Map() };
  return createTopicView({
    name: "identity-claims",
    topics: [types.IdentityClaimed.topic, types.UserRegistered.topic],
    source,
    initial,
  })
    .on(types.IdentityClaimed, (s, e) => {
      const list = s.claims.get(e.claimKey) ?? [];
      list.push({ userId: e.userId, claimedAt: e.occurredAt.getTime(), released: false });
      s.claims.set(e.claimKey, list);
    })
    .on(types.IdentityReleased, (s, e) => {
      for (const claim of s.claims.get(e.claimKey) ?? []) {
        if (claim.userId === e.userId) claim.released = true;
      }
    })
    .on(types.UserRegistered, (s, e) => s.accounts.set(e.userId, "registered"))
    .on(types.UserErased, (s, e) => s.accounts.set(e.userId, "erased"));
}

/** Live: not released, and its claimant registered (and is not erased) or is still signing up. */
function isLive(state: IdentityState, claim: Claim, now: number): boolean {
  if (claim.released) return false;
  const account = state.accounts.get(claim.userId);
  if (account === "registered") return true;
  if (account === "erased") return false;
  return now - claim.claimedAt < claimWindowMs;
}

/** The first live claim of a key in log order: its holder, if any. */
export function firstLiveClaim(
  state: IdentityState,
  key: string,
  now = Date.now(),
): { userId: string; claimedAt: number } | undefined {
  return state.claims.get(key)?.find((claim) => isLive(state, claim, now));
}

/** The keys a user holds (claimed and not released), e.g. to release them on erasure. */
export function keysHeldBy(state: IdentityState, userId: string): string[] {
  const keys: string[] = [];
  for (const [key, claims] of state.claims) {
    if (claims.some((c) => c.userId === userId && !c.released)) keys.push(key);
  }
  return keys;
}
