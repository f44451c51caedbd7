/**
 * The gateway in front of a comment service that runs as a real separate process, which is
 * stopped while the gateway runs (SIGKILL: a crash with the gateway's keep-alive
 * connections open; SIGTERM: a graceful stop) and then started again on the same port.
 * api-gateway.test.ts covers a URL where nothing ever listened; this one proves the
 * gateway notices a service going away, answers degraded meanwhile, and takes it back by
 * itself (the breaker's reset) without being rebuilt.
 */
import type { ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { closedPort, gatewayApp, serviceChildConfig } from "../support/api-gateway-app.ts";
import { type Body, type ReadApi, startReadApi } from "../support/api-read-app.ts";
import { killHard, spawnTs, waitForLine } from "../support/processes.ts";
import { eventually } from "../support/streams.ts";

/**
 * Short, so that the test is quick, yet much longer than the gap between the client's
 * calls while the service restarts: the breaker is then most likely still open when the
 * service comes back, and the gateway has to recover by the breaker's own reset.
 */
const resetTimeoutMs = 1_000;

describe("the gateway, with the comment service's process stopped and started again", {
  timeout: 300_000,
}, () => {
  let api: ReadApi;
  /** Free when the test starts; every start of the service uses it again. */
  let port: number;
  let serviceUrl: string;
  let fixture: { postId: string; artistId: string; commentIds: string[] };
  const children = new Set<ChildProcess>();
  const gateways: FastifyInstance[] = [];

  beforeAll(async () => {
    api = await startReadApi("gateway-stopped");
    serviceUrl = await closedPort();
    port = Number(new URL(serviceUrl).port);

    const artistToken = await api.token({ role: "artist" });
    const listenerToken = await api.token({ role: "listener" });
    const artist = await api.command("POST", "/api/artist/artists", artistToken, {
      name: `Stopped ${randomUUID().slice(0, 6)}`,
      genres: ["folk"],
    });
    const artistId = artist.event.artistId as string;
    const post = await api.command("POST", "/api/content/posts", artistToken, {
      title: "Tour dates",
      body: "See you there",
      artistId,
    });
    const postId = post.event.postId as string;
    const url = `/api/comment/posts/${postId}/comments`;
    const c1 = await api.command("POST", url, listenerToken, { body: "first" });
    const c2 = await api.command("POST", url, listenerToken, { body: "second" });
    // Every view has them before any gateway asks (read-your-writes on each route).
    expect((await api.get(`/api/artist/artists/${artistId}?after=${artist.after}`)).status).toBe(
      200,
    );
    expect((await api.get(`/api/content/posts/${postId}?after=${post.after}`)).status).toBe(200);
    expect((await api.get(`${url}?after=${c2.after}`)).body.items).toHaveLength(2);
    fixture = {
      postId,
      artistId,
      commentIds: [c1.event.commentId as string, c2.event.commentId as string],
    };
  });
  // The port is one: a case that failed half-way must not leave its service holding it.
  beforeEach(async () => {
    for (const child of children) await killHard(child);
  });
  afterAll(async () => {
    // Whatever failed: no service process outlives the file, then the apps and the topics.
    for (const child of children) await killHard(child);
    for (const gw of gateways) await gw.close();
    await api?.stop();
  });

  const startService = async () => {
    const child = spawnTs("tests/support/api-service-child.ts", [
      serviceChildConfig(api, ["comment"]),
      String(port),
    ]);
    children.add(child);
    child.once("exit", () => children.delete(child));
    await waitForLine(child, "listening");
    return child;
  };
  const newGateway = async () => {
    const gw = await gatewayApp(api, {
      services: { comment: serviceUrl },
      breaker: { resetTimeoutMs },
    });
    gateways.push(gw);
    return gw;
  };
  const detail = async (gw: FastifyInstance) => {
    const res = await gw.inject({ url: `/api/content/posts/${fixture.postId}/detail` });
    return { status: res.statusCode, body: res.json() as Body };
  };
  const commentsRoute = () => `/api/comment/posts/${fixture.postId}/comments?limit=1`;
  const isWhole = (res: Awaited<ReturnType<typeof detail>>) =>
    res.status === 200 &&
    res.body.degraded?.length === 0 &&
    JSON.stringify(res.body.comments?.items?.map((c: Body) => c.commentId)) ===
      JSON.stringify(fixture.commentIds);

  const expectWhole = async (gw: FastifyInstance) => {
    const res = await detail(gw);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.comments.items.map((c: Body) => c.commentId)).toEqual(fixture.commentIds);
    expect(res.body.degraded).toEqual([]);
    const forwarded = await gw.inject({ url: commentsRoute() });
    expect(forwarded.statusCode, forwarded.body).toBe(200);
    expect(forwarded.json().items).toHaveLength(1);
  };

  /** The service's process is gone: degraded compositions, 503 on its routes, the rest fine. */
  const expectServiceGone = async (gw: FastifyInstance) => {
    const res = await detail(gw);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.post.postId).toBe(fixture.postId);
    expect(res.body.post.artistId).toBe(fixture.artistId);
    expect(res.body.comments).toBeNull();
    // A refused connection: "unavailable", not a timeout after 1.5 s.
    expect(res.body.degraded).toEqual([{ service: "comment", reason: "unavailable" }]);

    const forwarded = await gw.inject({ url: commentsRoute() });
    expect(forwarded.statusCode, forwarded.body).toBe(503);
    expect(forwarded.json().error).toMatchObject({
      code: "service_unavailable",
      message: expect.stringMatching(/comment/),
    });

    // The services served by the gateway itself do not notice.
    const post = await gw.inject({ url: `/api/content/posts/${fixture.postId}` });
    expect(post.statusCode).toBe(200);
    const artist = await gw.inject({ url: `/api/artist/artists/${fixture.artistId}` });
    expect(artist.statusCode).toBe(200);

    // Repeated failures open the breaker: the part is then refused without a call.
    const reasons: string[] = [];
    for (let i = 0; i < 8 && reasons.at(-1) !== "circuit_open"; i++) {
      const again = await detail(gw);
      expect(again.status).toBe(200);
      expect(again.body.comments).toBeNull();
      expect(again.body.post.postId).toBe(fixture.postId);
      reasons.push(again.body.degraded[0]?.reason);
    }
    expect(reasons.at(-1), reasons.join(",")).toBe("circuit_open");
    expect(new Set(reasons)).toEqual(new Set(["unavailable", "circuit_open"]));
  };

  /**
   * Starts the service again on the same port while a client keeps asking the gateway (so
   * the breaker is kept open by failed trial calls until the service is up), then: whole
   * again within the breaker's reset, with the same gateway.
   */
  const restartAndExpectBack = async (gw: FastifyInstance) => {
    let starting = true;
    // Collected, not asserted, in the loop: a failed expect there would be an unhandled
    // rejection while the start is awaited.
    const meanwhile = (async () => {
      const answers: Awaited<ReturnType<typeof detail>>[] = [];
      while (starting) {
        answers.push(await detail(gw));
        await sleep(100);
      }
      return answers;
    })();
    try {
      await startService();
    } finally {
      starting = false;
    }
    const up = Date.now();
    // Asked while it was down or starting: the post always, the comments at most degraded.
    for (const res of await meanwhile) {
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body.post.postId).toBe(fixture.postId);
      for (const part of res.body.degraded) {
        expect(["comment:unavailable", "comment:circuit_open"]).toContain(
          `${part.service}:${part.reason}`,
        );
      }
    }
    const res = await eventually(() => detail(gw), isWhole, resetTimeoutMs + 2_000);
    expect(res.body, `still not whole ${Date.now() - up} ms after the restart`).toMatchObject({
      degraded: [],
      comments: { items: fixture.commentIds.map((commentId) => ({ commentId })) },
    });
    await expectWhole(gw);
  };

  it("SIGKILL (a crash, keep-alive connections open): degraded meanwhile, whole again after a restart", async () => {
    const child = await startService();
    const gw = await newGateway();
    await expectWhole(gw);

    await killHard(child);
    expect(child.signalCode).toBe("SIGKILL");
    await expectServiceGone(gw);

    await restartAndExpectBack(gw);
  });

  it("SIGTERM (a graceful stop): the same, and back again", async () => {
    const child = await startService();
    const gw = await newGateway();
    await expectWhole(gw);

    let stopped = false;
    const exited = new Promise<number | null>((resolve) =>
      child.once("exit", (code) => {
        stopped = true;
        resolve(code);
      }),
    );
    child.kill("SIGTERM");
    // While it closes, a forwarded call is served or refused in the gateway's words (a
    // closing Fastify's own 503 body would come through the proxy unchanged).
    while (!stopped) {
      const forwarded = await gw.inject({ url: commentsRoute() });
      if (forwarded.statusCode !== 200) {
        expect(forwarded.statusCode, forwarded.body).toBe(503);
        expect(forwarded.json().error.code).toBe("service_unavailable");
      }
    }
    expect(await exited).toBe(0);
    await expectServiceGone(gw);

    await restartAndExpectBack(gw);
  });
});
