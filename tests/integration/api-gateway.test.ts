/**
 * The gateway against the real stack (the read-test fixture: prefixed catalog, sinks,
 * views): the post detail composition, whole and degraded, the circuit breaker, a service
 * in another process behind the proxy, and the cross-cutting concerns (request ids, CORS,
 * rate limits, security headers, the OpenAPI document).
 */

import { randomUUID } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closedPort, gatewayApp, serviceAlone, silentServer } from "../support/api-gateway-app.ts";
import { type Body, bearer, type ReadApi, startReadApi } from "../support/api-read-app.ts";

describe("the gateway", () => {
  let api: ReadApi;
  let artistToken: string;
  let artistUser: string;
  let listenerToken: string;
  let listenerId: string;
  /** A post with an artist and two comments, all visible in the views. */
  let fixture: { postId: string; artistId: string; commentIds: string[]; bare: string };
  const extra: FastifyInstance[] = [];

  beforeAll(async () => {
    api = await startReadApi("gateway");
    artistUser = randomUUID();
    listenerId = randomUUID();
    artistToken = await api.token({ userId: artistUser, role: "artist" });
    listenerToken = await api.token({ userId: listenerId, role: "listener" });

    const artist = await api.command("POST", "/api/artist/artists", artistToken, {
      name: `Gateway ${randomUUID().slice(0, 6)}`,
      genres: ["jazz"],
    });
    const artistId = artist.event.artistId as string;
    const post = await api.command("POST", "/api/content/posts", artistToken, {
      title: "New record",
      body: "Out on Friday",
      artistId,
    });
    const postId = post.event.postId as string;
    const url = `/api/comment/posts/${postId}/comments`;
    const c1 = await api.command("POST", url, listenerToken, { body: "first" });
    const c2 = await api.command("POST", url, listenerToken, { body: "second" });
    const bare = await api.command("POST", "/api/content/posts", listenerToken, {
      title: "No artist",
      body: "just me",
    });
    // Wait until every view has it (read-your-writes on each route).
    expect((await api.get(`/api/artist/artists/${artistId}?after=${artist.after}`)).status).toBe(
      200,
    );
    expect(
      (await api.get(`/api/content/posts/${postId}?after=${post.after},${bare.after}`)).status,
    ).toBe(200);
    expect((await api.get(`${url}?after=${c2.after}`)).body.items).toHaveLength(2);
    // The comment count reaches the post through two processors (counts, then details).
    expect((await api.get(`/api/content/posts/${postId}?after=${c2.after}`)).body.comments).toBe(2);
    fixture = {
      postId,
      artistId,
      commentIds: [c1.event.commentId as string, c2.event.commentId as string],
      bare: bare.event.postId as string,
    };
  });
  afterAll(async () => {
    for (const app of extra) await app.close();
    await api?.stop();
  });

  const keep = <T extends FastifyInstance>(app: T) => {
    extra.push(app);
    return app;
  };
  const detail = async (app: FastifyInstance, postId: string, headers = {}) => {
    const started = performance.now();
    const res = await app.inject({ url: `/api/content/posts/${postId}/detail`, headers });
    return {
      status: res.statusCode,
      body: res.json() as Body,
      headers: res.headers,
      ms: performance.now() - started,
    };
  };

  it("composes a post (with its artist's name and comment count) and its first page of comments", async () => {
    const res = await detail(api.app, fixture.postId);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.post).toMatchObject({
      postId: fixture.postId,
      authorId: artistUser,
      artistId: fixture.artistId,
      artistName: expect.stringMatching(/^Gateway /),
      title: "New record",
      comments: 2,
    });
    expect(res.body).not.toHaveProperty("artist");
    expect(res.body.comments.items.map((c: Body) => c.commentId)).toEqual(fixture.commentIds);
    expect(res.body.comments.nextCursor).toBeNull();
    expect(res.body.degraded).toEqual([]);

    const page = await api.get(`/api/content/posts/${fixture.postId}/detail?commentsLimit=1`);
    expect(page.body.comments.items).toHaveLength(1);
    expect(page.body.comments.nextCursor).toEqual(expect.any(String));

    const bare = await detail(api.app, fixture.bare);
    expect(bare.status).toBe(200);
    expect(bare.body).toMatchObject({ post: { artistId: null, artistName: null }, degraded: [] });
    expect(bare.body.comments).toEqual({ items: [], nextCursor: null });

    const missing = await detail(api.app, randomUUID());
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe("not_found");
    expect((await api.get("/api/content/posts/not-a-uuid/detail")).status).toBe(400);
  });

  it("a service alone in another process: reached through the proxy and by the composition", async () => {
    const comment = await serviceAlone(api, ["comment"]);
    keep(comment.app);
    // The service alone has only its own routes.
    expect(
      (await comment.app.inject({ url: `/api/content/posts/${fixture.postId}` })).statusCode,
    ).toBe(404);
    const gw = keep(await gatewayApp(api, { services: { comment: comment.url } }));

    const res = await detail(gw, fixture.postId, { "x-request-id": "detail-remote-1" });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.comments.items.map((c: Body) => c.commentId)).toEqual(fixture.commentIds);
    expect(res.body.degraded).toEqual([]);
    expect(res.headers["x-request-id"]).toBe("detail-remote-1");

    // Reads and commands are forwarded: status, headers and body come back.
    const url = `/api/comment/posts/${fixture.postId}/comments`;
    const listed = await gw.inject({ url: `${url}?limit=1`, headers: { "x-request-id": "p-1" } });
    expect(listed.statusCode).toBe(200);
    expect(listed.headers["x-request-id"]).toBe("p-1");
    expect(listed.headers["content-type"]).toMatch(/application\/json/);
    expect(listed.json().items).toHaveLength(1);
    const added = await gw.inject({
      method: "POST",
      url,
      headers: bearer(listenerToken),
      payload: { body: "through the gateway" },
    });
    expect(added.statusCode, added.body).toBe(202);
    expect(added.json()).toMatchObject({ topic: expect.stringMatching(/comment/) });
    const refused = await gw.inject({ method: "POST", url, payload: { body: "no token" } });
    expect(refused.statusCode).toBe(401);
    expect(refused.json().error.code).toEqual(expect.any(String));
    const invalid = await gw.inject({
      method: "POST",
      url,
      headers: bearer(listenerToken),
      payload: { body: "x", extra: 1 },
    });
    expect(invalid.statusCode).toBe(400);
    expect(invalid.json().error.fields).toEqual([{ path: "body.extra", message: "unknown field" }]);

    // The document of the whole API has the remote service's paths too.
    const doc = (await gw.inject({ url: "/api/openapi.json" })).json() as Body;
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        "/api/comment/posts/{postId}/comments",
        "/api/content/posts/{id}/detail",
        "/api/content/posts/{id}",
      ]),
    );
    const ui = (await gw.inject({ url: "/api/docs/json" })).json() as Body;
    expect(ui.paths).toHaveProperty(["/api/comment/posts/{postId}/comments"]);
  });

  it("a comment service that is down: 200 with comments null, named in degraded", async () => {
    const gw = keep(await gatewayApp(api, { services: { comment: await closedPort() } }));
    const res = await detail(gw, fixture.postId);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.post.postId).toBe(fixture.postId);
    expect(res.body.post.artistId).toBe(fixture.artistId);
    expect(res.body.comments).toBeNull();
    expect(res.body.degraded).toEqual([{ service: "comment", reason: "unavailable" }]);

    // Its own routes, forwarded: 503.
    const direct = await gw.inject({ url: `/api/comment/posts/${fixture.postId}/comments` });
    expect(direct.statusCode).toBe(503);
    expect(direct.json().error.code).toBe("service_unavailable");
  });

  // Long enough for a healthy part on a loaded machine, short enough to keep the test quick.
  const partTimeoutMs = 1_500;

  it("a hung service: its part times out; a hung content service: 503", async () => {
    const hung = await silentServer();
    try {
      // The time-out is every part's, the healthy in-process content read's too: at 300 ms
      // that read timed out on a busy machine and the composition answered 503.
      const gw = keep(
        await gatewayApp(api, {
          services: { comment: hung.url },
          breaker: { timeoutMs: partTimeoutMs },
        }),
      );
      const res = await detail(gw, fixture.postId);
      expect(res.status).toBe(200);
      expect(res.body.post.postId).toBe(fixture.postId);
      expect(res.body.comments).toBeNull();
      expect(res.body.degraded).toEqual([{ service: "comment", reason: "timeout" }]);
      // Not held by the hung part past its time-out (the proxy's own limit is 15 s).
      expect(res.ms).toBeLessThan(10_000);

      const noContent = keep(
        await gatewayApp(api, {
          services: { content: hung.url },
          breaker: { timeoutMs: partTimeoutMs },
        }),
      );
      const down = await detail(noContent, fixture.postId);
      expect(down.status).toBe(503);
      expect(down.body.error.code).toBe("service_unavailable");
      expect(down.body.error.message).toMatch(/content.*timeout/);
    } finally {
      await hung.close();
    }
  });

  it("the circuit opens after repeated failures and then answers degraded at once", async () => {
    const hung = await silentServer();
    try {
      const gw = keep(
        await gatewayApp(api, {
          services: { comment: hung.url },
          breaker: { timeoutMs: partTimeoutMs, volumeThreshold: 2, resetTimeoutMs: 60_000 },
        }),
      );
      for (let i = 0; i < 2; i++) {
        const res = await detail(gw, fixture.postId);
        expect(res.body.degraded).toEqual([{ service: "comment", reason: "timeout" }]);
        expect(res.ms).toBeGreaterThanOrEqual(partTimeoutMs - 10);
      }
      const calledBefore = hung.requests();
      const open = await detail(gw, fixture.postId);
      expect(open.status).toBe(200);
      expect(open.body.degraded).toEqual([{ service: "comment", reason: "circuit_open" }]);
      expect(open.body.post.postId).toBe(fixture.postId);
      // "At once" as a cause, not a stopwatch: the open circuit never called the hung
      // service, so nothing could wait for its timeout.
      expect(hung.requests()).toBe(calledBefore);
    } finally {
      await hung.close();
    }
  });

  it("request ids: kept when given, made otherwise, echoed on every answer", async () => {
    const given = await api.app.inject({
      url: "/api/content/posts?limit=1",
      headers: { "x-request-id": "web-42.a" },
    });
    expect(given.headers["x-request-id"]).toBe("web-42.a");
    const made = await api.app.inject({ url: "/api/content/posts?limit=1" });
    expect(made.headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
    const bad = await api.app.inject({
      url: "/api/nowhere",
      headers: { "x-request-id": "has spaces <script>" },
    });
    expect(bad.statusCode).toBe(404);
    expect(bad.headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
    const composed = await detail(api.app, fixture.postId, { "x-request-id": "detail-7" });
    expect(composed.headers["x-request-id"]).toBe("detail-7");
  });

  it("CORS: the dev origins are allowed (preflight and answers), others are not", async () => {
    const preflight = await api.app.inject({
      method: "OPTIONS",
      url: "/api/content/posts",
      headers: {
        origin: "http://localhost:5173",
        "access-control-request-method": "POST",
        "access-control-request-headers": "authorization,content-type",
      },
    });
    expect(preflight.statusCode).toBe(204);
    expect(preflight.headers["access-control-allow-origin"]).toBe("http://localhost:5173");
    expect(preflight.headers["access-control-allow-methods"]).toMatch(/POST/);
    expect(preflight.headers["access-control-allow-headers"]).toMatch(/authorization/);
    const answer = await api.app.inject({
      url: "/api/content/posts?limit=1",
      headers: { origin: "http://localhost:5173" },
    });
    expect(answer.headers["access-control-allow-origin"]).toBe("http://localhost:5173");
    expect(answer.headers["access-control-expose-headers"]).toMatch(/x-request-id/);
    const other = await api.app.inject({
      method: "OPTIONS",
      url: "/api/content/posts",
      headers: { origin: "https://evil.example", "access-control-request-method": "POST" },
    });
    expect(other.headers["access-control-allow-origin"]).toBeUndefined();

    const configured = keep(await gatewayApp(api, { corsOrigins: ["https://vobe.example"] }));
    const ok = await configured.inject({
      url: "/api/content/posts?limit=1",
      headers: { origin: "https://vobe.example" },
    });
    expect(ok.headers["access-control-allow-origin"]).toBe("https://vobe.example");
  });

  it("rate limits: login and sign-up have small buckets per IP (429 after N); other routes a large one", async () => {
    const gw = keep(await gatewayApp(api, { rateLimit: { max: 50, authMax: 3 } }));
    const login = () =>
      gw.inject({
        method: "POST",
        url: "/api/auth/login",
        payload: { usernameOrEmail: "nobody-here", password: "wrong password!" },
      });
    for (let i = 0; i < 3; i++) expect((await login()).statusCode).toBe(401);
    const limited = await login();
    expect(limited.statusCode).toBe(429);
    expect(limited.json().error.code).toBe("rate_limited");
    expect(limited.headers["retry-after"]).toEqual(expect.any(String));
    expect(limited.headers["x-request-id"]).toEqual(expect.any(String));
    // Another IP has its own bucket; reads are not limited by the login bucket.
    const elsewhere = await gw.inject({
      method: "POST",
      url: "/api/auth/login",
      remoteAddress: "10.1.2.3",
      payload: { usernameOrEmail: "nobody-here", password: "wrong password!" },
    });
    expect(elsewhere.statusCode).toBe(401);
    const read = await gw.inject({ url: "/api/content/posts?limit=1" });
    expect(read.statusCode).toBe(200);
    expect(read.headers["x-ratelimit-limit"]).toBe("50");
    // A composition counts once, not once per part.
    const before = Number(read.headers["x-ratelimit-remaining"]);
    const composed = await gw.inject({ url: `/api/content/posts/${fixture.postId}/detail` });
    expect(composed.statusCode).toBe(200);
    expect(Number(composed.headers["x-ratelimit-remaining"])).toBe(before - 1);
  });

  it("rate limits the API only: the web app's files never spend the budget", async () => {
    const root = mkdtempSync(join(tmpdir(), "vobe-gateway-web-"));
    try {
      mkdirSync(join(root, "assets"));
      writeFileSync(join(root, "index.html"), "<!doctype html><title>web</title>");
      writeFileSync(join(root, "assets", "app-1234.js"), "console.log(1)");
      const gw = keep(await gatewayApp(api, { rateLimit: { max: 3, authMax: 3 }, web: { root } }));
      for (let i = 0; i < 10; i++) {
        const asset = await gw.inject({ url: "/assets/app-1234.js" });
        expect(asset.statusCode, asset.body).toBe(200);
        expect(asset.headers["x-ratelimit-limit"]).toBeUndefined();
        expect((await gw.inject({ url: "/artists" })).statusCode).toBe(200);
      }
      for (let i = 0; i < 3; i++)
        expect((await gw.inject({ url: "/api/content/posts?limit=1" })).statusCode).toBe(200);
      expect((await gw.inject({ url: "/api/content/posts?limit=1" })).statusCode).toBe(429);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it("security headers on every answer; the Swagger UI still loads", async () => {
    const res = await api.app.inject({ url: "/api/content/posts?limit=1" });
    expect(res.headers["x-content-type-options"]).toBe("nosniff");
    expect(res.headers["x-frame-options"]).toBe("SAMEORIGIN");
    expect(res.headers["strict-transport-security"]).toMatch(/max-age=/);
    expect(res.headers["content-security-policy"]).toMatch(/default-src 'self'/);
    expect(res.headers["x-powered-by"]).toBeUndefined();

    const ui = await api.app.inject({ url: "/api/docs/" });
    expect(ui.statusCode).toBe(200);
    expect(ui.headers["content-type"]).toMatch(/text\/html/);
    // Only script files (no inline scripts), all served from here.
    expect(ui.body).not.toMatch(/<script>/);
    const scripts = [...ui.body.matchAll(/<script src="([^"]+)"/g)].map((m) => m[1] as string);
    expect(scripts.length).toBeGreaterThan(0);
    for (const script of scripts) {
      const js = await api.app.inject({ url: new URL(script, "http://x/api/docs/").pathname });
      expect(js.statusCode, script).toBe(200);
    }
    // The UI's scripts are same-origin files, which the policy allows.
    expect(ui.headers["content-security-policy"]).toMatch(/script-src 'self'/);
  });

  it("the OpenAPI document lists the composition, whose parts match the read routes' schemas", async () => {
    const doc = (await api.app.inject({ url: "/api/openapi.json" })).json() as Body;
    const ok = (path: string) =>
      doc.paths[path].get.responses["200"].content["application/json"].schema;
    const composed = ok("/api/content/posts/{id}/detail");
    expect(doc.paths["/api/content/posts/{id}/detail"].get.tags).toContain("gateway");
    expect(composed.properties.post).toEqual(ok("/api/content/posts/{id}"));
    // OpenAPI 3.0 writes "X or null" as X with nullable: true.
    const nonNull = ({ nullable, description, ...schema }: Body) => {
      expect(nullable).toBe(true);
      return schema;
    };
    expect(nonNull(composed.properties.comments)).toEqual(
      ok("/api/comment/posts/{postId}/comments"),
    );
    expect(composed.required).toEqual(["post", "comments", "degraded"]);
  });
});
