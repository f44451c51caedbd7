/**
 * The auth service's commands: what they check against the views and which events they
 * write. Sign-up claims its identities in the log and reads who holds them from
 * vobe-identity-owners (docs/adr/009-write-path-checks.md).
 */
import { randomUUID } from "node:crypto";
import type { FastifyRequest } from "fastify";
import { personalFields } from "../../platform/pii/personal-fields.ts";
import { isSealed, sealFields } from "../../platform/pii/seal.ts";
import type { Envelope, PendingEvent, PublishedEvent } from "../../producers/index.ts";
import { eventHeaders } from "../../producers/index.ts";
import type { ApiContext } from "../context.ts";
import type { AuthUser } from "../http/auth.ts";
import {
  conflict,
  type FieldProblem,
  notFound,
  unauthorized,
  unavailable,
} from "../http/errors.ts";
import { eventContext } from "../http/request-context.ts";
import type { TopicView } from "../state/topic-view.ts";
import { claimWindowMs, emailClaimKey, usernameClaimKey } from "./claim-keys.ts";
import { decoyHash, hashPassword, passwordMatches } from "./passwords.ts";
import type { IdentityOwnersState } from "./state.ts";
import { type AccountsState, accountByLogin, openAccount, openPasswordHash } from "./state.ts";

export interface AuthViews {
  accounts: TopicView<AccountsState>;
  owners: TopicView<IdentityOwnersState>;
}

export interface SignupInput {
  username: string;
  email: string;
  password: string;
  displayName: string;
  role: "listener" | "artist";
}

type Field = "email" | "username";
const takenMessage: Record<Field, string> = {
  email: "this e-mail address is already registered",
  username: "this username is taken",
};
const taken = (fields: Field[]) =>
  conflict(
    "identity_taken",
    `${fields.join(" and ")} already in use`,
    fields.map((f): FieldProblem => ({ path: `body.${f}`, message: takenMessage[f] })),
  );

/** The whole sign-up waits at most this long on the processors, then answers 503. */
const signupWaitMs = 10_000;
/**
 * The registration's event time must be inside the claim window for the claim to hold
 * (the topology's rule); this margin covers the time the registration takes to write.
 */
const registerMarginMs = 5_000;

/**
 * Uniqueness is decided by vobe-identity-owners, never here: (1) a key already held by a
 * registered account is refused at once, writing nothing; (2) claim both keys in one
 * transaction; (3) wait until the processor has decided them and read the holders: not
 * ours → release and 409; (4) register the account and its password hash in one
 * transaction, within the claim window.
 */
export async function signup(
  ctx: ApiContext,
  views: AuthViews,
  request: FastifyRequest,
  input: SignupInput,
): Promise<{ userId: string; events: Array<PublishedEvent & { type: string }> }> {
  const { types } = ctx;
  const keys: Record<Field, string> = {
    email: emailClaimKey(input.email),
    username: usernameClaimKey(input.username),
  };
  const fields = Object.keys(keys) as Field[];
  const deadline = Date.now() + signupWaitMs;
  const left = () => Math.max(1, deadline - Date.now());

  await views.owners.catchUp({ timeoutMs: left() });
  const held = fields.filter((f) => views.owners.state.get(keys[f])?.registered);
  if (held.length > 0) throw taken(held);

  // Hashing first keeps the time between claiming and registering short.
  const passwordHash = await hashPassword(input.password);
  const userId = randomUUID();
  const claimedAt = Date.now();
  const context = eventContext(request, { userId, role: input.role });
  const claimEvents = fields.map((f) =>
    pending(
      types.IdentityClaimed,
      keys[f],
      { claimKey: keys[f], userId },
      { ...context, occurredAt: new Date(claimedAt) },
    ),
  );
  const claimed = await ctx.atomic.writer.run(() => ctx.atomic.events.publishAll(claimEvents));
  const release = () =>
    ctx.atomic.writer.run(() =>
      ctx.atomic.events.publishAll(
        fields.map((f) =>
          pending(types.IdentityReleased, keys[f], { claimKey: keys[f], userId }, context),
        ),
      ),
    );

  try {
    await views.owners.catchUp({ past: claimed, timeoutMs: left() });
  } catch (error) {
    // Undecided: give the keys back rather than leave them blocked for a window.
    await release().catch(() => {});
    throw error;
  }
  const lost = fields.filter((f) => views.owners.state.get(keys[f])?.userId !== userId);
  const registeredAt = Date.now();
  const late = registeredAt - claimedAt > claimWindowMs - registerMarginMs;
  if (lost.length > 0 || late) {
    await release();
    if (lost.length > 0) throw taken(lost);
    throw unavailable("signup_timeout", "the sign-up took too long; try again");
  }

  // Personal fields leave this process sealed with the user's own key (docs/adr/019).
  const key = await ctx.keys.create(userId);
  const registered = await ctx.atomic.writer
    .run(() =>
      ctx.atomic.events.publishAll([
        pending(
          types.UserRegistered,
          userId,
          {
            ...sealFields(
              key,
              userId,
              { username: input.username, email: input.email, displayName: input.displayName },
              personalFields.UserRegistered,
            ),
            userId,
            role: input.role,
            claimKeys: [keys.email, keys.username],
          },
          { ...context, occurredAt: new Date(registeredAt) },
        ),
        pending(
          types.CredentialSet,
          userId,
          { userId, ...sealFields(key, userId, { passwordHash }, personalFields.CredentialSet) },
          context,
        ),
      ]),
    )
    .catch(async (error) => {
      // Nothing was written under this key: do not keep it.
      await ctx.keys.destroy(userId).catch(() => {});
      throw error;
    });
  // Read-your-writes on this instance: a login right after the 201 finds the account.
  await views.accounts.catchUp({ past: registered });
  const names = [
    ...claimEvents.map((e) => e.type.name),
    types.UserRegistered.name,
    types.CredentialSet.name,
  ];
  return {
    userId,
    events: [...claimed, ...registered].map((p, i) => ({ ...p, type: names[i] as string })),
  };
}

export async function login(
  ctx: ApiContext,
  views: AuthViews,
  request: FastifyRequest,
  input: { usernameOrEmail: string; password: string },
) {
  const { types } = ctx;
  await Promise.all([views.accounts.catchUp(), views.owners.catchUp()]);
  // An erased account holds no name any more: its login is an unknown user's.
  const found = accountByLogin(views.accounts.state, views.owners.state, input.usernameOrEmail);
  // Without its key the account is being erased: it is an unknown user's login too.
  const key = found && (await ctx.keys.get(found.userId));
  const account = found && openAccount(found, key);
  const passwordHash =
    account &&
    openPasswordHash(account.userId, views.accounts.state.passwordHashes.get(account.userId), key);
  const matches = await passwordMatches(passwordHash ?? (await decoyHash), input.password);
  const actor = account
    ? { userId: account.userId, role: account.role }
    : { userId: null, role: "listener" as const };
  const context = eventContext(request, actor);

  if (!account || !passwordHash || !matches) {
    const reason = !account ? "unknown_user" : "wrong_password";
    // Failed attempts of unknown names share one key: there is no user id to key them by.
    await ctx.events.publish(
      types.LoginFailed,
      account?.userId ?? "unknown",
      { userId: account?.userId ?? null, reason },
      context,
    );
    // One answer for every reason: the caller must not learn which accounts exist.
    throw unauthorized("invalid_credentials", "wrong username, e-mail or password");
  }
  const userAgent = request.headers["user-agent"];
  await ctx.events.publish(
    types.LoginSucceeded,
    account.userId,
    { userId: account.userId, userAgent: userAgent ? userAgent.slice(0, 512) : null },
    context,
  );
  const user: AuthUser = { userId: account.userId, role: account.role, username: account.username };
  const { token, expiresAt } = await ctx.auth.issue(user);
  return {
    token,
    expiresAt: expiresAt.toISOString(),
    user: { ...user, displayName: account.displayName },
  };
}

export async function updateProfile(
  ctx: ApiContext,
  views: AuthViews,
  request: FastifyRequest,
  caller: AuthUser,
  changes: {
    displayName?: string;
    bio?: string | null;
    avatarUrl?: string | null;
    locale?: string | null;
  },
): Promise<PublishedEvent> {
  const { account, key } = await liveAccount(ctx, views, caller);
  // ProfileUpdated carries the whole profile after the change: merge onto the current one.
  const profile = {
    displayName: changes.displayName ?? account.displayName,
    bio: changes.bio !== undefined ? changes.bio : account.bio,
    avatarUrl: changes.avatarUrl !== undefined ? changes.avatarUrl : account.avatarUrl,
  };
  return ctx.events.publish(
    ctx.types.ProfileUpdated,
    caller.userId,
    {
      userId: caller.userId,
      ...sealFields(key, caller.userId, profile, personalFields.ProfileUpdated),
      locale: changes.locale !== undefined ? changes.locale : account.locale,
    },
    eventContext(request),
  );
}

/**
 * UserErased, the releases of the user's two identities and the credential tombstone: all
 * or none. vobe-identity-owners frees an erased account's identities in any case; the
 * releases say so in the claims' own log.
 */
export async function erase(
  ctx: ApiContext,
  views: AuthViews,
  request: FastifyRequest,
  caller: AuthUser,
): Promise<PublishedEvent> {
  const { types } = ctx;
  const { account } = await liveAccount(ctx, views, caller);
  const context = eventContext(request);
  const keys = [emailClaimKey(account.email), usernameClaimKey(account.username)];
  const events = [
    pending(types.UserErased, caller.userId, { userId: caller.userId, reason: null }, context),
    ...keys.map((claimKey) =>
      pending(types.IdentityReleased, claimKey, { claimKey, userId: caller.userId }, context),
    ),
  ];
  const erased = await ctx.atomic.writer.run(async () => {
    const [erased] = await ctx.atomic.events.publishAll(events);
    await ctx.atomic.producer.send([
      {
        topic: types.CredentialSet.topic,
        key: Buffer.from(caller.userId),
        value: null,
        headers: { [eventHeaders.correlationId]: request.id },
      },
    ]);
    return erased as PublishedEvent;
  });
  // Committed: this instance refuses the account's tokens before it answers; the others
  // within one fetch of auth.users (api/auth/liveness.ts).
  ctx.auth.revoke(caller.userId);
  // Crypto-shredding: without the key no copy of the personal fields opens again. Should
  // this fail, the auth sink destroys it when it applies the UserErased (the log holds the
  // erasure either way).
  await ctx.keys.destroy(caller.userId).catch((error) => {
    request.log.warn({ err: error }, "erasure: the key store refused; the auth sink retries");
  });
  return erased;
}

const hasSealedFields = (
  account: AccountsState["users"] extends Map<string, infer A> ? A : never,
) => personalFields.AccountSnapshot.some((f) => isSealed(String(account[f] ?? "")));

/** The caller's account in plain text, and its key (sealing the fields it writes). */
async function liveAccount(ctx: ApiContext, views: AuthViews, caller: AuthUser) {
  await views.accounts.catchUp();
  const sealed = views.accounts.state.users.get(caller.userId);
  // An account registered before sealing gets its key now; a sealed one without its key
  // is being erased, and must not get a new one.
  const key =
    sealed &&
    (hasSealedFields(sealed)
      ? await ctx.keys.get(caller.userId)
      : await ctx.keys.create(caller.userId));
  const account = sealed && openAccount(sealed, key);
  if (!account || !key) throw notFound("user", caller.userId);
  return { account, key };
}

function pending<T extends Envelope>(
  type: PendingEvent<T>["type"],
  key: string,
  payload: PendingEvent<T>["payload"],
  context: PendingEvent<T>["context"],
): PendingEvent<Envelope> {
  return { type, key, payload, context } as unknown as PendingEvent<Envelope>;
}
