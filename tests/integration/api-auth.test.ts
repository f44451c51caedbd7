import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { claimWindowMs, emailClaimKey, usernameClaimKey } from "../../api/auth/claim-keys.ts";
import { eventTypes } from "../../api/events/event-types.ts";
import { databaseUrlFor } from "../../platform/config/endpoints.ts";
import { createProducer } from "../../platform/kafka/index.ts";
import { createKeyStore } from "../../platform/pii/key-store.ts";
import { personalFields } from "../../platform/pii/personal-fields.ts";
import { openFields } from "../../platform/pii/seal.ts";
import { createPool } from "../../platform/postgres/pool.ts";
import { registryApi } from "../../platform/registry/confluent-api.ts";
import { createEventProducer } from "../../producers/index.ts";
import { bearer, startTestApi, type TestApi } from "../support/api-app.ts";
import { written } from "../support/api-events.ts";
import { brokers } from "../support/kafka.ts";

const person = () => {
  const id = randomUUID().slice(0, 8);
  return {
    username: `user_${id}`,
    email: `User.${id}@Example.com`,
    password: "correct horse battery",
    displayName: `User ${id}`,
    role: "listener" as const,
  };
};

describe("the auth API: sign-up by claims in the log, login, profile, erasure", () => {
  let api: TestApi;
  const keyStore = createKeyStore(createPool(databaseUrlFor(inject("endpoints"), "auth"), 1));
  beforeAll(async () => {
    api = await startTestApi("auth");
  });
  afterAll(async () => {
    await api?.stop();
    await keyStore.close();
  });

  const signup = (payload: object) =>
    api.app.inject({ method: "POST", url: "/api/auth/signup", payload });
  const login = (usernameOrEmail: string, password: string) =>
    api.app.inject({
      method: "POST",
      url: "/api/auth/login",
      payload: { usernameOrEmail, password },
    });

  it("signs up: two claims, then UserRegistered and an argon2id CredentialSet", async () => {
    const p = person();
    const { result, records } = await written(api, () => signup(p));
    expect(result.statusCode).toBe(201);
    const body = result.json();
    expect(body.events.map((e: { type: string }) => e.type)).toEqual([
      "vobemusic.auth.IdentityClaimed",
      "vobemusic.auth.IdentityClaimed",
      "vobemusic.auth.UserRegistered",
      "vobemusic.auth.CredentialSet",
    ]);
    expect(records).toHaveLength(4);
    const keys = records
      .filter((r) => r.topic === api.topic("auth.identity-claims"))
      .map((r) => r.key);
    expect(keys.sort()).toEqual([emailClaimKey(p.email), usernameClaimKey(p.username)].sort());
    const user = records.find((r) => r.topic === api.topic("auth.users"));
    // Personal fields are sealed with the user's key (docs/adr/019-erasure.md).
    const key = await keyStore.get(body.userId);
    const opened = openFields(key, body.userId, user?.value ?? {}, personalFields.UserRegistered);
    expect(user?.value?.email).toMatch(/^pii:v1:/);
    expect(opened).toMatchObject({
      userId: body.userId,
      email: p.email,
      username: p.username,
      displayName: p.displayName,
      claimKeys: [emailClaimKey(p.email), usernameClaimKey(p.username)],
    });
    expect(user?.value?.actor).toMatchObject({ userId: body.userId, role: "listener" });
    const credential = records.find((r) => r.topic === api.topic("auth.credentials"));
    const hash = openFields(key, body.userId, credential?.value ?? {}, ["passwordHash"]);
    expect(String(hash?.passwordHash)).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(JSON.stringify(records)).not.toContain(p.password);
    expect(JSON.stringify(records)).not.toContain(p.email);
    expect(JSON.stringify(records)).not.toContain(p.displayName);
    // The 201 names where each event landed.
    const registered = body.events[2];
    expect(await api.readEvent(registered)).toMatchObject({ userId: body.userId });
  });

  it("refuses a taken e-mail or username (any case) with 409 naming the field, writing nothing", async () => {
    const p = person();
    expect((await signup(p)).statusCode).toBe(201);
    const sameEmail = { ...person(), email: p.email.toUpperCase() };
    const sameName = { ...person(), username: p.username.toUpperCase() };
    const { result: byEmail, records } = await written(api, () => signup(sameEmail));
    expect(byEmail.statusCode).toBe(409);
    expect(byEmail.json().error.code).toBe("identity_taken");
    expect(byEmail.json().error.fields).toEqual([
      { path: "body.email", message: expect.any(String) },
    ]);
    expect(records).toEqual([]);
    const byName = await signup(sameName);
    expect(byName.statusCode).toBe(409);
    expect(byName.json().error.fields.map((f: { path: string }) => f.path)).toEqual([
      "body.username",
    ]);
  });

  it("lets exactly one of N parallel sign-ups with the same e-mail win", async () => {
    const email = person().email;
    const attempts = Array.from({ length: 8 }, () => signup({ ...person(), email }));
    const statuses = (await Promise.all(attempts)).map((r) => r.statusCode).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(7);
    // The losers released their claims: their usernames are free again.
  });

  it("logs in by username or e-mail, and records LoginSucceeded / LoginFailed", async () => {
    const p = person();
    const userId = (await signup(p)).json().userId;
    const { result, records } = await written(api, () => login(p.email.toLowerCase(), p.password));
    expect(result.statusCode).toBe(200);
    const body = result.json();
    expect(body.user).toEqual({
      userId,
      username: p.username,
      displayName: p.displayName,
      role: "listener",
    });
    expect(Date.parse(body.expiresAt)).toBeGreaterThan(Date.now());
    expect(records).toHaveLength(1);
    expect(records[0]?.value).toMatchObject({ userId });

    const wrong = await written(api, () => login(p.username, "wrong password!"));
    expect(wrong.result.statusCode).toBe(401);
    expect(wrong.result.json().error.code).toBe("invalid_credentials");
    expect(wrong.records.map((r) => r.value?.reason)).toEqual(["wrong_password"]);
    const unknown = await written(api, () => login("nobody-at-all", "whatever pass"));
    expect(unknown.result.statusCode).toBe(401);
    expect(unknown.records.map((r) => r.value)).toMatchObject([
      { userId: null, reason: "unknown_user" },
    ]);
  });

  it("updates the profile with one ProfileUpdated carrying the whole profile", async () => {
    const p = person();
    await signup(p);
    const { token } = (await login(p.username, p.password)).json();
    const { result, records } = await written(api, () =>
      api.app.inject({
        method: "PATCH",
        url: "/api/auth/me",
        headers: bearer(token),
        payload: { bio: "<i>I like</i> jazz", locale: "ru-RU" },
      }),
    );
    expect(result.statusCode).toBe(202);
    expect(records).toHaveLength(1);
    const event = await api.readEvent(result.json());
    const userId = event.userId as string;
    expect(event.bio).toMatch(/^pii:v1:/);
    expect(
      openFields(await keyStore.get(userId), userId, event, personalFields.ProfileUpdated),
    ).toMatchObject({
      displayName: p.displayName,
      bio: "<i>I like</i> jazz",
      avatarUrl: null,
      locale: "ru-RU",
    });
  });

  it("erases: UserErased, releases of both claims, the credential tombstone; the e-mail is free again", async () => {
    const p = person();
    const userId = (await signup(p)).json().userId;
    const { token } = (await login(p.username, p.password)).json();
    const { result, records } = await written(api, () =>
      api.app.inject({ method: "DELETE", url: "/api/auth/me", headers: bearer(token) }),
    );
    expect(result.statusCode).toBe(202);
    expect(await api.readEvent(result.json())).toMatchObject({ userId, reason: null });
    const byTopic = (name: string) => records.filter((r) => r.topic === api.topic(name));
    expect(byTopic("auth.users")).toHaveLength(1);
    expect(
      byTopic("auth.identity-claims")
        .map((r) => r.key)
        .sort(),
    ).toEqual([emailClaimKey(p.email), usernameClaimKey(p.username)].sort());
    expect(byTopic("auth.credentials")).toEqual([
      expect.objectContaining({ key: userId, value: null }),
    ]);
    expect(records).toHaveLength(4);

    expect((await login(p.username, p.password)).statusCode).toBe(401);
    // Crypto-shredding: the key is gone with the erasure.
    expect(await keyStore.get(userId)).toBeUndefined();
    expect((await signup({ ...person(), email: p.email })).statusCode).toBe(201);
  });
});

describe("sign-up reads who holds an identity from vobe-identity-owners", () => {
  let api: TestApi;
  const producer = createProducer({ brokers: brokers(), clientId: "vobe-tests-claims" });
  const events = createEventProducer({
    producer,
    registry: registryApi(inject("endpoints").schemaRegistryUrl),
  });
  beforeAll(async () => {
    api = await startTestApi("auth-owners");
  });
  afterAll(async () => {
    await producer.close();
    await api?.stop();
  });
  const signup = (payload: object) =>
    api.app.inject({ method: "POST", url: "/api/auth/signup", payload });
  /** A sign-up that claimed an e-mail `ageMs` ago and never came back (crashed, closed). */
  const strayClaim = (email: string, ageMs: number) => {
    const claimKey = emailClaimKey(email);
    const userId = randomUUID();
    return events.publish(
      eventTypes(api.prefix).IdentityClaimed,
      claimKey,
      { claimKey, userId },
      { actor: { userId, role: "listener" }, occurredAt: new Date(Date.now() - ageMs) },
    );
  };

  it("refuses an e-mail whose sign-up is in progress, and takes over one abandoned for a window", async () => {
    const inProgress = person();
    await strayClaim(inProgress.email, 1_000);
    const refused = await signup(inProgress);
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error.fields.map((f: { path: string }) => f.path)).toEqual([
      "body.email",
    ]);

    const abandoned = person();
    await strayClaim(abandoned.email, claimWindowMs + 1_000);
    const { result, records } = await written(api, () => signup(abandoned));
    expect(result.statusCode).toBe(201);
    expect(records.map((r) => r.value?.userId).every((id) => id === result.json().userId)).toBe(
      true,
    );
  });

  it("frees an erased account's identities for the next sign-up", async () => {
    const p = person();
    expect((await signup(p)).statusCode).toBe(201);
    expect((await signup({ ...person(), username: p.username })).statusCode).toBe(409);
    const { token } = (
      await api.app.inject({
        method: "POST",
        url: "/api/auth/login",
        payload: { usernameOrEmail: p.username, password: p.password },
      })
    ).json();
    const erased = await api.app.inject({
      method: "DELETE",
      url: "/api/auth/me",
      headers: bearer(token),
    });
    expect(erased.statusCode).toBe(202);
    expect((await signup({ ...person(), username: p.username })).statusCode).toBe(201);
    expect((await signup({ ...person(), email: p.email })).statusCode).toBe(201);
  });
});

describe("sign-up without the processors", () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi("auth-down", { processors: [] });
  });
  afterAll(async () => {
    await api?.stop();
  });

  it("answers 503 within its bound and gives its claims back, never a guess", async () => {
    const started = Date.now();
    const { result, records } = await written(api, () =>
      api.app.inject({ method: "POST", url: "/api/auth/signup", payload: person() }),
    );
    const tookMs = Date.now() - started;
    expect(result.statusCode).toBe(503);
    expect(result.json().error.code).toBe("processors_behind");
    expect(result.json().error.message).toMatch(/identity-owners/);
    expect(tookMs).toBeLessThan(15_000);
    // Two claims, their two releases, no account.
    expect(records.map((r) => r.value?.constructor.name).sort()).toEqual([
      "IdentityClaimed",
      "IdentityClaimed",
      "IdentityReleased",
      "IdentityReleased",
    ]);
  });
});
