/**
 * Issue 12, defect 4: after DELETE /api/auth/me is accepted, the account's tokens are
 * refused (401) on every API instance within a stated bound, and nothing it sends is
 * written. Tokens of accounts that never existed are refused too.
 */
import type { ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { buildApp } from "../../api/app.ts";
import { createAuth } from "../../api/http/auth.ts";
import { bearer, startTestApi, type TestApi, testJwtSecret } from "../support/api-app.ts";
import type { ServiceChildConfig } from "../support/api-gateway-app.ts";
import { freePort } from "../support/private-stack.ts";
import { killHard, spawnTs, waitForLine } from "../support/processes.ts";

/** The bound this test holds the API to (docs/adr/019-erasure.md). */
const revokeBoundMs = 1_000;

type App = Awaited<ReturnType<typeof buildApp>>;

/** Every route an erased account could write through, with a body that would pass. */
const writes = (postId: string, trackId: string, conversationId: string) =>
  [
    { method: "POST", url: "/api/content/posts", payload: { text: "still here?" } },
    { method: "POST", url: `/api/comment/posts/${postId}/comments`, payload: { text: "hi" } },
    {
      method: "POST",
      url: "/api/listening/plays",
      payload: { plays: [{ trackId, listenedMs: 1_000, trackDurationMs: 2_000 }] },
    },
    { method: "PUT", url: `/api/listening/tracks/${trackId}/like` },
    {
      method: "POST",
      url: `/api/chat/conversations/${conversationId}/messages`,
      payload: { text: "hello" },
    },
    { method: "POST", url: "/api/feedback", payload: { kind: "bug", text: "a bug" } },
    { method: "PATCH", url: "/api/auth/me", payload: { displayName: "Ghost" } },
    { method: "DELETE", url: "/api/auth/me" },
  ] as const;

describe("an erased account's tokens are refused on every instance", () => {
  let api: TestApi;
  let second: App;
  /** A third instance in its own process: the auth and listening services alone. */
  let child: ChildProcess | undefined;
  let childUrl = "";
  beforeAll(async () => {
    api = await startTestApi("erasure-tokens");
    // Another instance on the same topics: its only news of the erasure is the log.
    second = await buildApp({
      endpoints: inject("endpoints"),
      topicPrefix: api.prefix,
      jwtSecret: testJwtSecret,
      logger: false,
    });
    const port = await freePort();
    const config: ServiceChildConfig = {
      endpoints: inject("endpoints"),
      topicPrefix: api.prefix,
      schemaPrefix: "t_erasure_none_",
      indexPrefix: "test-erasure-none-",
      jwtSecret: testJwtSecret,
      only: ["auth", "listening"],
    };
    child = spawnTs("tests/support/api-service-child.ts", [JSON.stringify(config), String(port)]);
    await waitForLine(child, "listening");
    childUrl = `http://127.0.0.1:${port}`;
  }, 300_000);
  afterAll(async () => {
    if (child) await killHard(child);
    await second?.close();
    await api?.stop();
  });

  const signupAndLogin = async () => {
    const id = randomUUID().slice(0, 8);
    const person = {
      username: `gone_${id}`,
      email: `gone.${id}@example.com`,
      password: "correct horse battery",
      displayName: `Gone ${id}`,
      role: "listener" as const,
    };
    const signup = await api.app.inject({
      method: "POST",
      url: "/api/auth/signup",
      payload: person,
    });
    expect(signup.statusCode).toBe(201);
    const login = await api.app.inject({
      method: "POST",
      url: "/api/auth/login",
      payload: { usernameOrEmail: person.username, password: person.password },
    });
    expect(login.statusCode).toBe(200);
    return { userId: signup.json().userId as string, token: login.json().token as string };
  };

  const profileUpdate = (app: App, token: string) =>
    app.inject({
      method: "PATCH",
      url: "/api/auth/me",
      headers: bearer(token),
      payload: { displayName: "Still Me" },
    });

  it(`refuses the token within ${revokeBoundMs} ms on both instances, writing nothing`, async () => {
    const { token } = await signupAndLogin();
    // The token works on both instances before the erasure.
    expect((await profileUpdate(api.app, token)).statusCode).toBe(202);
    expect((await profileUpdate(second, token)).statusCode).toBe(202);

    const erased = await api.app.inject({
      method: "DELETE",
      url: "/api/auth/me",
      headers: bearer(token),
    });
    expect(erased.statusCode).toBe(202);
    const acceptedAt = performance.now();

    // The accepting instance refuses at once.
    const here = await profileUpdate(api.app, token);
    expect(here.statusCode).toBe(401);
    expect(here.json().error.code).toBe("account_unknown");

    // The other instance learns it from auth.users.
    let refusedAfter = Number.POSITIVE_INFINITY;
    while (performance.now() - acceptedAt < 5 * revokeBoundMs) {
      const res = await second.inject({
        method: "GET",
        url: "/api/auth/me",
        headers: bearer(token),
      });
      if (res.statusCode === 401) {
        refusedAfter = performance.now() - acceptedAt;
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    console.log(
      `second instance refused the erased account's token after ${refusedAfter.toFixed(0)} ms`,
    );
    expect(refusedAfter).toBeLessThan(revokeBoundMs);

    // Every write route, on both instances: 401, and the topics do not move.
    const before = await api.endOffsets();
    for (const app of [api.app, second]) {
      for (const w of writes(randomUUID(), randomUUID(), randomUUID())) {
        const res = await app.inject({ ...w, headers: bearer(token) });
        expect(res.statusCode, `${w.method} ${w.url}`).toBe(401);
      }
      for (const url of ["/api/auth/me", "/api/listening/me/history"]) {
        const res = await app.inject({ method: "GET", url, headers: bearer(token) });
        expect(res.statusCode, url).toBe(401);
      }
    }
    expect(await api.endOffsets()).toEqual(before);
  });

  it(`refuses the token within ${revokeBoundMs} ms in another process`, async () => {
    const { token } = await signupAndLogin();
    const patch = () =>
      fetch(`${childUrl}/api/auth/me`, {
        method: "PATCH",
        headers: { ...bearer(token), "content-type": "application/json" },
        body: JSON.stringify({ displayName: "Still Me" }),
      });
    expect((await patch()).status).toBe(202);
    const erased = await api.app.inject({
      method: "DELETE",
      url: "/api/auth/me",
      headers: bearer(token),
    });
    expect(erased.statusCode).toBe(202);
    const acceptedAt = performance.now();
    let refusedAfter = Number.POSITIVE_INFINITY;
    while (performance.now() - acceptedAt < 5 * revokeBoundMs) {
      const res = await fetch(`${childUrl}/api/listening/me/history`, { headers: bearer(token) });
      if (res.status === 401) {
        refusedAfter = performance.now() - acceptedAt;
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    console.log(
      `another process refused the erased account's token after ${refusedAfter.toFixed(0)} ms`,
    );
    expect(refusedAfter).toBeLessThan(revokeBoundMs);
    const before = await api.endOffsets();
    expect((await patch()).status).toBe(401);
    const play = await fetch(`${childUrl}/api/listening/plays`, {
      method: "POST",
      headers: { ...bearer(token), "content-type": "application/json" },
      body: JSON.stringify({
        plays: [{ trackId: randomUUID(), listenedMs: 1_000, trackDurationMs: 2_000 }],
      }),
    });
    expect(play.status).toBe(401);
    expect(await api.endOffsets()).toEqual(before);
  });

  it("refuses a well-signed token for an account that was never registered", async () => {
    const { token } = await createAuth({ secret: testJwtSecret }).issue({
      userId: randomUUID(),
      role: "listener",
      username: "nobody",
    });
    const before = await api.endOffsets();
    for (const app of [api.app, second]) {
      for (const w of writes(randomUUID(), randomUUID(), randomUUID())) {
        const res = await app.inject({ ...w, headers: bearer(token) });
        expect(res.statusCode, `${w.method} ${w.url}`).toBe(401);
      }
      const me = await app.inject({ method: "GET", url: "/api/auth/me", headers: bearer(token) });
      expect(me.statusCode).toBe(401);
      expect(me.json().error.code).toBe("account_unknown");
    }
    expect(await api.endOffsets()).toEqual(before);
  });

  it("accepts a fresh account's token on an instance that has not seen its registration yet", async () => {
    const { token } = await signupAndLogin();
    // The second instance may be a fetch behind: it waits for auth.users' end, not 401.
    expect((await profileUpdate(second, token)).statusCode).toBe(202);
  });
});
