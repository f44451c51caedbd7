/**
 * Accounts and their password hashes, from auth.users and auth.credentials. Only the auth
 * plugin builds this view: auth.credentials is restricted to the auth service.
 */
import type { AccountRole } from "../../schemas/generated/auth.ts";
import type { EventTypes } from "../events/event-types.ts";
import { createTopicView, type TopicView, type ViewSource } from "./topic-view.ts";

export interface Account {
  userId: string;
  username: string;
  email: string;
  role: AccountRole;
  displayName: string;
  bio: string | null;
  avatarUrl: string | null;
  locale: string | null;
  erased: boolean;
}

export interface AccountsState {
  users: Map<string, Account>;
  /** Lower-cased username or e-mail → user id (the latest account that registered it). */
  byLogin: Map<string, string>;
  passwordHashes: Map<string, string>;
}

export function createAccountsView(
  source: ViewSource,
  types: EventTypes,
): TopicView<AccountsState> {
  const initial: AccountsState = {
    users: new Map(),
    byLogin: new Map(),
    passwordHashes: new Map(),
  };
  return createTopicView({
    name: "accounts",
    topics: [types.UserRegistered.topic, types.CredentialSet.topic],
    source,
    initial,
    onTombstone: (s, userId) => s.passwordHashes.delete(userId),
  })
    .on(types.UserRegistered, (s, e) => {
      s.users.set(e.userId, {
        userId: e.userId,
        username: e.username,
        email: e.email,
        role: e.role,
        displayName: e.displayName,
        bio: null,
        avatarUrl: null,
        locale: null,
        erased: false,
      });
      s.byLogin.set(e.username.toLowerCase(), e.userId);
      s.byLogin.set(e.email.toLowerCase(), e.userId);
    })
    .on(types.ProfileUpdated, (s, e) => {
      const user = s.users.get(e.userId);
      if (!user) return;
      Object.assign(user, {
        displayName: e.displayName,
        bio: e.bio,
        avatarUrl: e.avatarUrl,
        locale: e.locale,
      });
    })
    .on(types.UserErased, (s, e) => {
      const user = s.users.get(e.userId);
      // The login names keep pointing here (a login says "erased"), until someone else
      // registers them; the personal data is forgotten.
      if (user) Object.assign(user, { erased: true, email: "", displayName: "", bio: null });
      s.passwordHashes.delete(e.userId);
    })
    .on(types.CredentialSet, (s, e) => s.passwordHashes.set(e.userId, e.passwordHash));
}

export function accountByLogin(state: AccountsState, login: string): Account | undefined {
  const userId = state.byLogin.get(login.trim().toLowerCase());
  return userId ? state.users.get(userId) : undefined;
}
