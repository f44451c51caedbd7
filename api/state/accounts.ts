/**
 * Accounts and their password hashes: the account snapshots vobe-account-snapshots keeps
 * (an erased account is gone) and auth.credentials, itself compacted to the latest hash
 * per user. Only the auth plugin builds this view: both topics are restricted to the auth
 * service. Login names resolve through the identity owners (identity-owners.ts).
 */

import type { AccountRole } from "../../schemas/generated/auth.ts";
import * as generated from "../../schemas/generated/index.ts";
import { emailClaimKey, usernameClaimKey } from "../auth/claim-keys.ts";
import type { EventTypes } from "../events/event-types.ts";
import { applicationGroup, createDerivedView, derivedType } from "./derived-view.ts";
import type { IdentityOwnersState } from "./identity-owners.ts";
import type { TopicView, ViewSource } from "./topic-view.ts";

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
