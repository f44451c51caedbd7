/**
 * Who holds each unique identity (e-mail address, username): the single owner of the rule
 * (docs/adr/009-write-path-checks.md). The write API's sign-up only writes its claims,
 * waits for this application, and reads the answer from auth.identity-owners.
 *
 *   auth.identity-claims ──(claims, releases)──────────────────────────┐
 *   auth.users ─▶ account per user ─▶ one fact per claim key ─▶ repartition ─┴▶ facts per
 *        claim key ─▶ holder ─▶ auth.identity-owners (no holder: tombstone)
 *
 * The holder is a pure function of the key's facts, so replays and any interleaving of the
 * two inputs give the same answer (`holderOf`): walk the unreleased claims in log order;
 * the first holds the key; a later claim takes it over only if the holder's account was
 * not registered within `claimWindowMs` of its claim and the later claim came at least that
 * long after it (an abandoned sign-up); a claim of an erased account holds nothing. Times
 * are event times (occurredAt), never the processor's clock.
 */
import { claimWindowMs, emailClaimKey, usernameClaimKey } from "../../api/auth/claim-keys.ts";
import {
  IdentityClaimed,
  type IdentityOwner,
  IdentityOwner as IdentityOwnerType,
  IdentityReleased,
  UserErased,
  UserRegistered,
} from "../../schemas/generated/index.ts";
import { Serdes, StreamsBuilder, type Topology } from "../engine/index.ts";
import { type DecodedEvent, isEvent } from "../serdes/avro.ts";
import { occurredAtOf, type TopologyOptions, toDerived } from "./common.ts";

export { claimWindowMs };

export const identityOwnersStores = {
  /** Key-value: claim key → its facts (IdentityState). */
  claims: "identity-claims-state",
  /** Key-value: user id → the claim keys of its account and when it registered, was erased. */
  accounts: "identity-accounts-state",
} as const;

interface Claim {
  userId: string;
  /** Event time of the claim, epoch ms. */
  at: number;
}

/** What the key's facts say about one claimant's account. */
export interface AccountFacts {
  registeredAt: number | null;
  erasedAt: number | null;
}

export interface IdentityState {
  /** Unreleased claims, in log order. */
  claims: Claim[];
  /** Accounts of users that registered with this key, by user id. */
  accounts: Record<string, AccountFacts>;
}

/** An account as the users side keeps it: its claim keys and the two moments that matter. */
interface UserAccount extends AccountFacts {
  keys: string[];
}

/** One fact about a claim key, from either input. */
export type IdentityFact =
  | { kind: "claimed"; userId: string; at: number }
  | { kind: "released"; userId: string }
  | ({ kind: "account"; userId: string } & AccountFacts);

export interface Holder {
  userId: string;
  claimedAt: number;
  /** Registered within the window: nobody can take the key over. */
  registered: boolean;
}

const empty = (): IdentityState => ({ claims: [], accounts: {} });

/** One fact into the key's state (the facts, not the decision: `holderOf` decides). */
export function applyFact(state: IdentityState, fact: IdentityFact): IdentityState {
  switch (fact.kind) {
    case "claimed":
      // A resent claim (same user) is the same claim.
      if (state.claims.some((c) => c.userId === fact.userId)) return state;
      return { ...state, claims: [...state.claims, { userId: fact.userId, at: fact.at }] };
    case "released":
      return { ...state, claims: state.claims.filter((c) => c.userId !== fact.userId) };
    case "account": {
      const { registeredAt, erasedAt } = fact;
      return {
        ...state,
        accounts: { ...state.accounts, [fact.userId]: { registeredAt, erasedAt } },
      };
    }
  }
}

/** The holder the facts imply; null when the key is free. */
export function holderOf(stored: IdentityState, windowMs = claimWindowMs): Holder | null {
  const state = migrated(stored);
  const registeredInTime = (claim: Claim) => {
    const registeredAt = state.accounts[claim.userId]?.registeredAt;
    return registeredAt != null && registeredAt - claim.at < windowMs;
  };
  let holder: Claim | null = null;
  for (const claim of state.claims) {
    if (state.accounts[claim.userId]?.erasedAt != null) continue;
    if (holder === null) holder = claim;
    else if (registeredInTime(holder)) break;
    else if (claim.at - holder.at >= windowMs) holder = claim;
  }
  return (
    holder && { userId: holder.userId, claimedAt: holder.at, registered: registeredInTime(holder) }
  );
}

/** State written by the first version (first unreleased claim only), read as facts. */
function migrated(
  state: IdentityState | { owner?: { userId: string; claimedAt: number } | null },
): IdentityState {
  if ("claims" in state) return state;
  return state.owner
    ? { claims: [{ userId: state.owner.userId, at: state.owner.claimedAt }], accounts: {} }
    : empty();
}

function claimFact(event: DecodedEvent): IdentityFact | null {
  if (isEvent(event, IdentityClaimed)) {
    return { kind: "claimed", userId: event.value.userId, at: occurredAtOf(event) ?? 0 };
  }
  if (isEvent(event, IdentityReleased)) return { kind: "released", userId: event.value.userId };
  return null;
}

function applyAccountEvent(account: UserAccount, event: DecodedEvent): UserAccount {
  const at = occurredAtOf(event) ?? 0;
  if (isEvent(event, UserRegistered)) {
    // Sealed registrations name their keys; older ones carry the plain e-mail and username.
    const { claimKeys, email, username } = event.value;
    const keys =
      claimKeys && claimKeys.length > 0
        ? [...claimKeys]
        : [emailClaimKey(email), usernameClaimKey(username)];
    return { ...account, keys, registeredAt: account.registeredAt ?? at };
  }
  if (isEvent(event, UserErased)) return { ...account, erasedAt: account.erasedAt ?? at };
  return account;
}

export function identityOwnersTopology(options: TopologyOptions): Topology {
  const { serdes } = options;
  const builder = new StreamsBuilder();
  const factSerde = Serdes.json<IdentityFact>();

  // The users side: each account's registration and erasure become a fact of each of its
  // claim keys (the e-mail is hashed here, as in the claims; no address leaves this step).
  const accountFacts = builder
    .stream<string, DecodedEvent>(serdes.topic(UserRegistered), {
      keySerde: Serdes.string(),
      valueSerde: serdes.events([UserRegistered, UserErased]),
      name: "identity-users-source",
      timestampExtractor: (_key, event, recordTimestamp) => occurredAtOf(event) ?? recordTimestamp,
    })
    .filter((_key, e) => isEvent(e, UserRegistered) || isEvent(e, UserErased), {
      name: "identity-account-events",
    })
    .groupByKey({ name: "identity-accounts-by-user" })
    .aggregate<UserAccount>(
      () => ({ keys: [], registeredAt: null, erasedAt: null }),
      (_userId, event, account) => applyAccountEvent(account, event),
      { name: identityOwnersStores.accounts, valueSerde: Serdes.json<UserAccount>() },
    )
    .toStream({ name: "identity-account-changes" })
    .flatMap<string, IdentityFact>(
      (userId, account) =>
        (account?.keys ?? []).map((key) => [
          key,
          {
            kind: "account",
            userId,
            registeredAt: account.registeredAt,
            erasedAt: account.erasedAt,
          },
        ]),
      { name: "identity-account-facts" },
    )
    .repartition({
      name: "identity-account-facts-by-key",
      keySerde: Serdes.string(),
      valueSerde: factSerde,
    });

  const claimFacts = builder
    .stream<string, DecodedEvent>(serdes.topic(IdentityClaimed), {
      keySerde: Serdes.string(),
      valueSerde: serdes.events([IdentityClaimed, IdentityReleased]),
      name: "identity-claims-source",
      timestampExtractor: (_key, event, recordTimestamp) => occurredAtOf(event) ?? recordTimestamp,
    })
    .flatMapValues(
      (event) => {
        const fact = claimFact(event);
        return fact ? [fact] : [];
      },
      { name: "identity-claim-facts" },
    );

  const holders = claimFacts
    .merge(accountFacts, { name: "identity-facts" })
    .groupByKey({ name: "identity-facts-by-key", keySerde: Serdes.string(), valueSerde: factSerde })
    .aggregate<IdentityState>(empty, (_key, fact, state) => applyFact(migrated(state), fact), {
      name: identityOwnersStores.claims,
      valueSerde: Serdes.json<IdentityState>(),
    })
    .filter((_key, state) => holderOf(state) !== null, { name: "held-identities" });

  toDerived<string, IdentityState, IdentityOwner>(
    holders.toStream({ name: "identity-owners-changes" }),
    IdentityOwnerType,
    (claimKey, state) => {
      const holder = holderOf(state) as Holder;
      return {
        claimKey,
        userId: holder.userId,
        claimedAt: new Date(holder.claimedAt),
        registered: holder.registered,
      };
    },
    "identity-owners-records",
  ).to(serdes.topic(IdentityOwnerType), {
    keySerde: Serdes.string(),
    valueSerde: serdes.derived(IdentityOwnerType),
    name: "identity-owners-sink",
  });
  return builder.build();
}
