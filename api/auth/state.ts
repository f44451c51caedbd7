/**
 * The auth service's state, read by its checks only (its topics are restricted to it):
 *
 * - accounts and their password hashes: the account snapshots vobe-account-snapshots keeps
 *   (an erased account is gone) and auth.credentials, itself compacted to the latest hash
 *   per user;
 * - who holds each unique identity (e-mail, username), as vobe-identity-owners decided it
 *   (processors/topologies/identity-owners.ts, the only place with the rule): the API reads
 *   auth.identity-owners and never judges a claim itself. Login names resolve through it.
 */
import { personalFields } from "../../platform/pii/personal-fields.ts";
import { open, openFields } from "../../platform/pii/seal.ts";
import type { AccountRole } from "../../schemas/generated/auth.ts";
import * as generated from "../../schemas/generated/index.ts";
import type { EventTypes } from "../events/event-types.ts";
import { applicationGroup, createDerivedView, derivedType } from "../state/derived-view.ts";
import type { TopicView, ViewSource } from "../state/topic-view.ts";
import { emailClaimKey, usernameClaimKey } from "./claim-keys.ts";

/** The account in plain text; undefined once its key is destroyed (erased). */
export function openAccount(account: Account, key: Buffer | undefined): Account | undefined {
  return openFields(key, account.userId, account, personalFields.AccountSnapshot);
}

/** The password hash in plain text; undefined without a key (erased) or a hash. */
export function openPasswordHash(
  userId: string,
  hash: string | undefined,
  key: Buffer | undefined,
): string | undefined {
  return hash === undefined ? undefined : (open(key, userId, "passwordHash", hash) ?? undefined);
}

/**
 * An account as the snapshots carry it: its personal fields sealed with the user's key
 * (platform/pii/), except in snapshots of accounts registered before sealing.
 * `openAccount` gives the plain text while the key exists.
 */
export interface Account {
  userId: string;
  username: string;
  email: string;
  role: AccountRole;
  displayName: string;
  bio: string | null;
  avatarUrl: string | null;
  locale: string | null;
}

export interface AccountsState {
  users: Map<string, Account>;
  passwordHashes: Map<string, string>;
}

export function createAccountsView(
  source: ViewSource,
  types: EventTypes,
): TopicView<AccountsState> {
  const derived = {
    AccountSnapshot: derivedType(types, generated.AccountSnapshot),
  };
  const initial: AccountsState = { users: new Map(), passwordHashes: new Map() };
  return createDerivedView({
    name: "accounts",
    topics: [derived.AccountSnapshot.topic, types.CredentialSet.topic],
    inputs: [types.UserRegistered.topic],
    application: applicationGroup(types, "account-snapshots"),
    source,
    initial,
    onTombstone: (s, userId, record) =>
      record.topic === types.CredentialSet.topic
        ? s.passwordHashes.delete(userId)
        : s.users.delete(userId),
  })
    .on(derived.AccountSnapshot, (s, e) => {
      const { userId, username, email, role, displayName, bio, avatarUrl, locale } = e;
      s.users.set(userId, { userId, username, email, role, displayName, bio, avatarUrl, locale });
    })
    .on(types.CredentialSet, (s, e) => s.passwordHashes.set(e.userId, e.passwordHash));
}

/** The account whose username or e-mail `login` is, by who holds that identity now. */
export function accountByLogin(
  accounts: AccountsState,
  owners: IdentityOwnersState,
  login: string,
): Account | undefined {
  const holder = owners.get(usernameClaimKey(login)) ?? owners.get(emailClaimKey(login));
  return holder ? accounts.users.get(holder.userId) : undefined;
}

export interface IdentityHolder {
  userId: string;
  /** Registered within the claim window: the key is theirs until released or erased. */
  registered: boolean;
}

export type IdentityOwnersState = Map<string, IdentityHolder>;

export function createIdentityOwnersView(
  source: ViewSource,
  types: EventTypes,
): TopicView<IdentityOwnersState> {
  const derived = {
    IdentityOwner: derivedType(types, generated.IdentityOwner),
  };
  return createDerivedView<IdentityOwnersState>({
    name: "identity",
    topics: [derived.IdentityOwner.topic],
    // A registration or an erasure changes a holder as much as a claim does.
    inputs: [types.IdentityClaimed.topic, types.UserRegistered.topic],
    application: applicationGroup(types, "identity-owners"),
    source,
    initial: new Map(),
    onTombstone: (s, key) => s.delete(key),
  }).on(derived.IdentityOwner, (s, e) =>
    s.set(e.claimKey, { userId: e.userId, registered: e.registered }),
  );
}
