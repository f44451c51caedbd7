import { randomUUID } from "node:crypto";
import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAuth } from "../../api/http/auth.ts";
import { eventHeaderDocs } from "../../schemas/event-headers.ts";
import { bearer, startTestApi, type TestApi, testJwtSecret } from "../support/api-app.ts";

interface Case {
  name: string;
  method: "GET" | "POST" | "PATCH" | "PUT" | "DELETE";
  url: string | (() => string);
  token?: () => string;
  payload?: unknown;
  contentType?: string;
  status: number;
  code: string;
  /** Paths the error's fields must include. */
  fields?: string[];
}

/**
 * Against the real stack: every bad request gets the right status and a machine-readable
 * error, and not one topic moves (end offsets before and after are equal).
 */
describe("the write API refuses bad input and writes nothing", () => {
  let api: TestApi;
  const owner = randomUUID();
  const tokens: Record<string, string> = {};
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    api = await startTestApi("bad-input");
    tokens.owner = await api.token({ userId: owner, role: "artist" });
    tokens.other = await api.token({ role: "artist" });
    tokens.listener = await api.token({ role: "listener" });
    tokens.admin = await api.token({ role: "admin" });
    tokens.expired = (
      await createAuth({ secret: testJwtSecret, ttlSeconds: -60 }).issue({
        userId: randomUUID(),
        role: "admin",
        username: "x",
      })
    ).token;
    tokens.otherSecret = (
      await createAuth({ secret: "another-secret-another-secret-0123" }).issue({
        userId: randomUUID(),
        role: "admin",
        username: "x",
      })
    ).token;
    const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
    tokens.algNone = `${b64({ alg: "none", typ: "JWT" })}.${b64({ sub: randomUUID(), role: "admin", iss: "vobemusic" })}.`;
    const [h, p, s] = tokens.listener.split(".") as [string, string, string];
    const claims = JSON.parse(Buffer.from(p, "base64url").toString());
    tokens.tampered = `${h}.${b64({ ...claims, role: "admin" })}.${s}`;
    tokens.hs512 = await new SignJWT({ role: "admin" })
      .setProtectedHeader({ alg: "HS512" })
      .setSubject(randomUUID())
      .setIssuer("vobemusic")
      .setExpirationTime("1h")
      .sign(new TextEncoder().encode(testJwtSecret));

    const post = async (url: string, payload: object, token = tokens.owner) => {
      const res = await api.app.inject({
        method: "POST",
        url,
        headers: bearer(token as string),
        payload,
      });
      expect(res.statusCode, res.body).toBe(202);
      return (await api.readEvent(res.json())) as Record<string, string>;
    };
    ids.artist = (await post("/api/artist/artists", { name: "Owned" })).artistId as string;
    ids.album = (
      await post("/api/artist/albums", {
        artistId: ids.artist,
        title: "A",
        releaseDate: "2026-01-01",
        genre: "rock",
      })
    ).albumId as string;
    ids.track = (
      await post("/api/artist/tracks", {
        albumId: ids.album,
        title: "T",
        durationMs: 1000,
        trackNumber: 1,
        genre: "rock",
      })
    ).trackId as string;
    ids.post = (await post("/api/content/posts", { title: "P", body: "b" })).postId as string;
    ids.deletedPost = (await post("/api/content/posts", { title: "Gone", body: "b" }))
      .postId as string;
    await api.app.inject({
      method: "DELETE",
      url: `/api/content/posts/${ids.deletedPost}`,
      headers: bearer(tokens.owner as string),
    });
    ids.comment = (await post(`/api/comment/posts/${ids.post}/comments`, { body: "c" }))
      .commentId as string;
    ids.conversation = randomUUID();
    await post(`/api/chat/conversations/${ids.conversation}/messages`, { text: "hi" });
  }, 120_000);

  afterAll(async () => {
    await api?.stop();
  });

  const t = (name: string) => () => tokens[name] as string;
  const big = "x".repeat(70 * 1024);
  const play = (over: object = {}) => ({
    trackId: ids.track,
    listenedMs: 1000,
    trackDurationMs: 1000,
    ...over,
  });

  // Built when the test runs: the ids above exist only after beforeAll.
  const cases = (): Case[] => [
    // Malformed bodies
    {
      name: "malformed JSON",
      method: "POST",
      url: "/api/feedback",
      payload: '{"category": "bug",',
      contentType: "application/json",
      status: 400,
      code: "malformed_json",
    },
    {
      name: "not JSON at all",
      method: "POST",
      url: "/api/feedback",
      payload: "category=bug",
      contentType: "text/plain",
      status: 415,
      code: "unsupported_media_type",
    },
    {
      name: "oversized body",
      method: "POST",
      url: "/api/feedback",
      payload: { category: "bug", message: big },
      status: 413,
      code: "body_too_large",
    },
    {
      name: "oversized plays batch",
      method: "POST",
      url: "/api/listening/plays",
      token: t("listener"),
      payload: { plays: [{ ...play(), pad: "y".repeat(140 * 1024) }] },
      status: 413,
      code: "body_too_large",
    },
    // Schema violations, with the fields named
    {
      name: "wrong type",
      method: "POST",
      url: "/api/feedback",
      payload: { category: "bug", message: 42 },
      status: 400,
      code: "invalid_request",
      fields: ["body.message"],
    },
    {
      name: "missing field",
      method: "POST",
      url: "/api/feedback",
      payload: { category: "bug" },
      status: 400,
      code: "invalid_request",
      fields: ["body.message"],
    },
    {
      name: "unknown field",
      method: "POST",
      url: "/api/feedback",
      payload: { category: "bug", message: "m", userId: randomUUID() },
      status: 400,
      code: "invalid_request",
      fields: ["body.userId"],
    },
    {
      name: "bad enum",
      method: "POST",
      url: "/api/feedback",
      payload: { category: "rant", message: "m" },
      status: 400,
      code: "invalid_request",
      fields: ["body.category"],
    },
    {
      name: "several problems at once",
      method: "POST",
      url: "/api/auth/signup",
      payload: {
        username: "a b",
        email: "not-an-email",
        password: "short",
        displayName: "",
        role: "admin",
      },
      status: 400,
      code: "invalid_request",
      fields: ["body.username", "body.email", "body.password", "body.displayName", "body.role"],
    },
    {
      name: "control character in a title",
      method: "POST",
      url: "/api/content/posts",
      token: t("listener"),
      payload: { title: "a\u0000b", body: "ok" },
      status: 400,
      code: "invalid_request",
      fields: ["body.title"],
    },
    // Ill-formed Unicode (issue 12): a lone surrogate is valid JSON and would be written
    // as bytes other Avro readers refuse, forever (api/http/text.ts).
    {
      name: "lone surrogate in a post title",
      method: "POST",
      url: "/api/content/posts",
      token: t("listener"),
      payload: { title: "a\ud800b", body: "ok" },
      status: 400,
      code: "ill_formed_unicode",
      fields: ["body.title"],
    },
    {
      name: "lone surrogate in an anonymous feedback message",
      method: "POST",
      url: "/api/feedback",
      payload: { category: "bug", message: "\udc00 broken" },
      status: 400,
      code: "ill_formed_unicode",
      fields: ["body.message"],
    },
    {
      name: "lone surrogate in a chat message",
      method: "POST",
      url: () => `/api/chat/conversations/${ids.conversation}/messages`,
      token: t("owner"),
      payload: { text: `${"long ".repeat(20)}\ud83d` },
      status: 400,
      code: "ill_formed_unicode",
      fields: ["body.text"],
    },
    {
      name: "lone surrogate in a sign-up password (not text, still a string)",
      method: "POST",
      url: "/api/auth/signup",
      payload: {
        username: "surrogate_pw",
        email: "pw@example.com",
        password: "long enough \ud800",
        displayName: "P",
        role: "listener",
      },
      status: 400,
      code: "ill_formed_unicode",
      fields: ["body.password"],
    },
    {
      name: "a body that is not UTF-8",
      method: "POST",
      url: "/api/feedback",
      payload: Buffer.concat([
        Buffer.from('{"category":"bug","message":"caf'),
        Buffer.from([0xe9, 0xff]),
        Buffer.from('"}'),
      ]),
      status: 400,
      code: "ill_formed_unicode",
      fields: ["body"],
    },
    {
      name: "an artist name of zero-width characters",
      method: "POST",
      url: "/api/artist/artists",
      token: t("owner"),
      payload: { name: "\u200b\u200c\u2060" },
      status: 400,
      code: "invalid_request",
      fields: ["body.name"],
    },
    {
      name: "a track title of the Hangul filler",
      method: "POST",
      url: "/api/artist/tracks",
      token: t("owner"),
      payload: {
        albumId: ids.album,
        title: "\u3164",
        durationMs: 1000,
        trackNumber: 2,
        genre: "rock",
      },
      status: 400,
      code: "invalid_request",
      fields: ["body.title"],
    },
    {
      name: "a display name with a right-to-left override",
      method: "POST",
      url: "/api/auth/signup",
      payload: {
        username: "bidi_user",
        email: "bidi@example.com",
        password: "long enough password",
        displayName: "admin\u202egnp.exe",
        role: "listener",
      },
      status: 400,
      code: "invalid_request",
      fields: ["body.displayName"],
    },
    {
      name: "an artist name with a directional isolate",
      method: "PATCH",
      url: () => `/api/artist/artists/${ids.artist}`,
      token: t("owner"),
      payload: { name: "Owned\u2067" },
      status: 400,
      code: "invalid_request",
      fields: ["body.name"],
    },
    {
      name: "search for bytes that are not UTF-8",
      method: "GET",
      url: "/api/search?q=%FF%FE",
      status: 400,
      code: "ill_formed_unicode",
      fields: ["query.q"],
    },
    {
      name: "suggest for an encoded lone surrogate",
      method: "GET",
      url: "/api/search/suggest?q=%ED%A0%80",
      status: 400,
      code: "ill_formed_unicode",
      fields: ["query.q"],
    },
    {
      name: "a path whose escapes are not UTF-8",
      method: "PATCH",
      url: "/api/content/posts/%ED%A0%80",
      token: t("owner"),
      payload: { title: "x" },
      status: 400,
      code: "malformed_url",
      fields: ["params"],
    },
    {
      name: "search with a broken percent-escape",
      method: "GET",
      url: "/api/search?q=100%",
      status: 400,
      code: "malformed_query",
      fields: ["query.q"],
    },
    {
      name: "escape sequence in a name",
      method: "POST",
      url: "/api/artist/artists",
      token: t("owner"),
      payload: { name: "\u001b[31mred" },
      status: 400,
      code: "invalid_request",
      fields: ["body.name"],
    },
    {
      name: "bell in a display name",
      method: "PATCH",
      url: "/api/auth/me",
      token: t("listener"),
      payload: { displayName: "ding\u0007" },
      status: 400,
      code: "invalid_request",
      fields: ["body.displayName"],
    },
    {
      name: "blank title",
      method: "POST",
      url: "/api/content/posts",
      token: t("listener"),
      payload: { title: "   ", body: "ok" },
      status: 400,
      code: "invalid_request",
      fields: ["body.title"],
    },
    {
      name: "empty PATCH",
      method: "PATCH",
      url: () => `/api/content/posts/${ids.post}`,
      token: t("owner"),
      payload: {},
      status: 400,
      code: "invalid_request",
    },
    {
      name: "invalid id in the path",
      method: "PATCH",
      url: "/api/content/posts/1%20OR%201=1",
      token: t("owner"),
      payload: { title: "x" },
      status: 400,
      code: "invalid_request",
      fields: ["params.id"],
    },
    {
      name: "invalid uuid in the body",
      method: "POST",
      url: "/api/artist/albums",
      token: t("owner"),
      payload: {
        artistId: "'; DROP TABLE albums; --",
        title: "x",
        releaseDate: "2026-01-01",
        genre: "g",
      },
      status: 400,
      code: "invalid_request",
      fields: ["body.artistId"],
    },
    {
      name: "invalid date",
      method: "POST",
      url: "/api/artist/albums",
      token: t("owner"),
      payload: { artistId: randomUUID(), title: "x", releaseDate: "2026-13-45", genre: "g" },
      status: 400,
      code: "invalid_request",
      fields: ["body.releaseDate"],
    },
    {
      name: "javascript: URL",
      method: "PATCH",
      url: () => `/api/artist/albums/${ids.album}`,
      token: t("owner"),
      payload: { coverUrl: "javascript:alert(1)" },
      status: 400,
      code: "invalid_request",
      fields: ["body.coverUrl"],
    },
    {
      name: "empty plays batch",
      method: "POST",
      url: "/api/listening/plays",
      token: t("listener"),
      payload: { plays: [] },
      status: 400,
      code: "invalid_request",
      fields: ["body.plays"],
    },
    {
      name: "501 plays",
      method: "POST",
      url: "/api/listening/plays",
      token: t("listener"),
      payload: { plays: Array.from({ length: 501 }, () => play()) },
      status: 400,
      code: "invalid_request",
      fields: ["body.plays"],
    },
    {
      name: "play longer than its track",
      method: "POST",
      url: "/api/listening/plays",
      token: t("listener"),
      payload: { plays: [play(), play({ listenedMs: 5000 })] },
      status: 400,
      code: "invalid_play",
      fields: ["body.plays.1.listenedMs"],
    },
    {
      name: "play in the future",
      method: "POST",
      url: "/api/listening/plays",
      token: t("listener"),
      payload: { plays: [play({ playedAt: "2999-01-01T00:00:00Z" })] },
      status: 400,
      code: "invalid_play",
      fields: ["body.plays.0.playedAt"],
    },
    {
      name: "play in 1900",
      method: "POST",
      url: "/api/listening/plays",
      token: t("listener"),
      payload: { plays: [play(), play({ playedAt: "1900-01-01T00:00:00Z" })] },
      status: 400,
      code: "invalid_play",
      fields: ["body.plays.1.playedAt"],
    },
    {
      name: "play reported more than 30 days late",
      method: "POST",
      url: "/api/listening/plays",
      token: t("listener"),
      payload: {
        plays: [play({ playedAt: new Date(Date.now() - 31 * 86_400_000).toISOString() })],
      },
      status: 400,
      code: "invalid_play",
      fields: ["body.plays.0.playedAt"],
    },
    {
      name: "reply to a comment of another post",
      method: "POST",
      url: () => `/api/comment/posts/${ids.post}/comments`,
      token: t("listener"),
      payload: { body: "x", parentCommentId: randomUUID() },
      status: 404,
      code: "not_found",
      fields: ["body.parentCommentId"],
    },
    // Tokens
    {
      name: "no token",
      method: "POST",
      url: "/api/content/posts",
      payload: { title: "x", body: "y" },
      status: 401,
      code: "token_missing",
    },
    {
      name: "expired token",
      method: "POST",
      url: "/api/content/posts",
      token: t("expired"),
      payload: { title: "x", body: "y" },
      status: 401,
      code: "token_expired",
    },
    {
      name: "token signed with another secret",
      method: "POST",
      url: "/api/content/posts",
      token: t("otherSecret"),
      payload: { title: "x", body: "y" },
      status: 401,
      code: "token_invalid",
    },
    {
      name: "alg none",
      method: "POST",
      url: "/api/feedback/00000000-0000-4000-8000-000000000000/triage",
      token: t("algNone"),
      payload: { priority: "low" },
      status: 401,
      code: "token_invalid",
    },
    {
      name: "tampered payload (role: admin)",
      method: "POST",
      url: "/api/feedback/00000000-0000-4000-8000-000000000000/triage",
      token: t("tampered"),
      payload: { priority: "low" },
      status: 401,
      code: "token_invalid",
    },
    {
      name: "another algorithm (HS512)",
      method: "POST",
      url: "/api/content/posts",
      token: t("hs512"),
      payload: { title: "x", body: "y" },
      status: 401,
      code: "token_invalid",
    },
    {
      name: "forged token on the optional-token route",
      method: "POST",
      url: "/api/feedback",
      token: t("otherSecret"),
      payload: { category: "bug", message: "m" },
      status: 401,
      code: "token_invalid",
    },
    {
      name: "bad token beats a bad body",
      method: "POST",
      url: "/api/content/posts",
      token: t("tampered"),
      payload: { nonsense: true },
      status: 401,
      code: "token_invalid",
    },
    // Roles and ownership
    {
      name: "listener creating an artist",
      method: "POST",
      url: "/api/artist/artists",
      token: t("listener"),
      payload: { name: "Me" },
      status: 403,
      code: "role_forbidden",
    },
    {
      name: "non-admin triaging",
      method: "POST",
      url: "/api/feedback/00000000-0000-4000-8000-000000000000/triage",
      token: t("listener"),
      payload: { priority: "low" },
      status: 403,
      code: "role_forbidden",
    },
    {
      name: "another user's artist",
      method: "PATCH",
      url: () => `/api/artist/artists/${ids.artist}`,
      token: t("other"),
      payload: { name: "Mine now" },
      status: 403,
      code: "not_owner",
    },
    {
      name: "album for another user's artist",
      method: "POST",
      url: "/api/artist/albums",
      token: t("other"),
      payload: { artistId: ids.artist, title: "x", releaseDate: "2026-01-01", genre: "g" },
      status: 403,
      code: "not_owner",
    },
    {
      name: "track on another user's album",
      method: "POST",
      url: "/api/artist/tracks",
      token: t("other"),
      payload: { albumId: ids.album, title: "x", durationMs: 1, trackNumber: 1, genre: "g" },
      status: 403,
      code: "not_owner",
    },
    {
      name: "deleting another user's track",
      method: "DELETE",
      url: () => `/api/artist/tracks/${ids.track}`,
      token: t("other"),
      status: 403,
      code: "not_owner",
    },
    {
      name: "posting for another user's artist",
      method: "POST",
      url: "/api/content/posts",
      token: t("other"),
      payload: { title: "x", body: "y", artistId: ids.artist },
      status: 403,
      code: "not_owner",
    },
    {
      name: "editing another user's post",
      method: "PATCH",
      url: () => `/api/content/posts/${ids.post}`,
      token: t("other"),
      payload: { title: "x" },
      status: 403,
      code: "not_owner",
    },
    {
      name: "deleting another user's comment",
      method: "DELETE",
      url: () => `/api/comment/comments/${ids.comment}`,
      token: t("listener"),
      status: 403,
      code: "not_owner",
    },
    {
      // 404 like reading it: a 403 would say the conversation exists (issue 12).
      name: "writing into another user's conversation",
      method: "POST",
      url: () => `/api/chat/conversations/${ids.conversation}/messages`,
      token: t("listener"),
      payload: { text: "hi" },
      status: 404,
      code: "not_found",
    },
    // Things that do not exist
    {
      name: "updating an artist that does not exist",
      method: "PATCH",
      url: `/api/artist/artists/${randomUUID()}`,
      token: t("owner"),
      payload: { name: "x" },
      status: 404,
      code: "not_found",
    },
    {
      name: "comment on a post that does not exist",
      method: "POST",
      url: `/api/comment/posts/${randomUUID()}/comments`,
      token: t("listener"),
      payload: { body: "x" },
      status: 404,
      code: "not_found",
      fields: ["params.postId"],
    },
    {
      name: "comment on a deleted post",
      method: "POST",
      url: () => `/api/comment/posts/${ids.deletedPost}/comments`,
      token: t("listener"),
      payload: { body: "x" },
      status: 404,
      code: "not_found",
    },
    {
      name: "liking a track that does not exist",
      method: "PUT",
      url: `/api/listening/tracks/${randomUUID()}/like`,
      token: t("listener"),
      status: 404,
      code: "not_found",
    },
    {
      name: "a batch with one unknown track writes none",
      method: "POST",
      url: "/api/listening/plays",
      token: t("listener"),
      payload: { plays: [play(), play({ trackId: randomUUID() })] },
      status: 404,
      code: "not_found",
      fields: ["body.plays.1.trackId"],
    },
    {
      name: "triaging feedback that does not exist",
      method: "POST",
      url: `/api/feedback/${randomUUID()}/triage`,
      token: t("admin"),
      payload: { priority: "low" },
      status: 404,
      code: "not_found",
    },
    {
      name: "unknown route",
      method: "POST",
      url: "/api/nothing",
      payload: {},
      status: 404,
      code: "route_not_found",
    },
  ];

  it("answers every bad request with its status, code and fields, and moves no topic", async () => {
    const before = await api.endOffsets();
    const failures: string[] = [];
    for (const c of cases()) {
      const headers: Record<string, string> = c.token ? bearer(c.token()) : {};
      if (c.payload !== undefined) headers["content-type"] = c.contentType ?? "application/json";
      const res = await api.app.inject({
        method: c.method,
        url: typeof c.url === "function" ? c.url() : c.url,
        headers,
        ...(c.payload === undefined
          ? {}
          : {
              payload:
                typeof c.payload === "string" || Buffer.isBuffer(c.payload)
                  ? c.payload
                  : JSON.stringify(c.payload),
            }),
      });
      const body = res.json() as {
        error?: { code: string; message: string; fields?: Array<{ path: string }> };
      };
      const paths = body.error?.fields?.map((f) => f.path) ?? [];
      const ok =
        res.statusCode === c.status &&
        body.error?.code === c.code &&
        typeof body.error?.message === "string" &&
        (c.fields ?? []).every((f) => paths.includes(f));
      if (!ok) failures.push(`${c.name}: ${res.statusCode} ${res.body.slice(0, 300)}`);
    }
    expect(failures).toEqual([]);
    expect(await api.endOffsets()).toEqual(before);
  });

  it("writes names and texts in NFC: a decomposed é is stored composed", async () => {
    const decomposed = "Cafe\u0301 Tacvba";
    expect(decomposed.normalize("NFC")).not.toBe(decomposed);
    const res = await api.app.inject({
      method: "POST",
      url: "/api/artist/artists",
      headers: bearer(tokens.owner as string),
      payload: { name: decomposed, bio: `Cre\u0300me de ${decomposed}` },
    });
    expect(res.statusCode, res.body).toBe(202);
    const event = await api.readEvent(res.json());
    expect(event.name).toBe("Caf\u00e9 Tacvba");
    expect(event.bio).toBe("Cr\u00e8me de Caf\u00e9 Tacvba");
  });

  it("writes the documented headers on a command's record: its type and id, the request's id and trace", async () => {
    const traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    const requestId = `headers-${randomUUID()}`;
    const res = await api.app.inject({
      method: "POST",
      url: "/api/content/posts",
      headers: { ...bearer(tokens.owner as string), traceparent, "x-request-id": requestId },
      payload: { title: "Headers", body: "b" },
    });
    expect(res.statusCode, res.body).toBe(202);
    const { record, value } = await api.readRecord(res.json());
    const headers = Object.fromEntries([...record.headers].map(([k, v]) => [k, v.toString()]));
    expect(Object.keys(headers).sort()).toEqual(
      eventHeaderDocs
        .map((h) => h.name)
        .filter((n) => n !== "causation-id")
        .sort(),
    );
    expect(headers).toEqual({
      "event-type": "vobemusic.content.PostPublished",
      "event-id": (value as { eventId: string }).eventId,
      "correlation-id": requestId,
      traceparent,
    });
    // Without a (valid) traceparent the header is absent, not empty.
    const plain = await api.app.inject({
      method: "POST",
      url: "/api/content/posts",
      headers: { ...bearer(tokens.owner as string), traceparent: "not-a-trace" },
      payload: { title: "No trace", body: "b" },
    });
    expect((await api.readRecord(plain.json())).record.headers.has("traceparent")).toBe(false);
  });

  it("refuses a taken e-mail at sign-up before claiming anything", async () => {
    const person = {
      username: `u_${randomUUID().slice(0, 8)}`,
      email: `${randomUUID().slice(0, 8)}@example.com`,
      password: "long enough password",
      displayName: "U",
      role: "listener",
    };
    const first = await api.app.inject({
      method: "POST",
      url: "/api/auth/signup",
      payload: person,
    });
    expect(first.statusCode).toBe(201);
    const before = await api.endOffsets();
    const again = await api.app.inject({
      method: "POST",
      url: "/api/auth/signup",
      payload: { ...person, username: `v_${randomUUID().slice(0, 8)}` },
    });
    expect(again.statusCode).toBe(409);
    expect(again.json().error.fields).toEqual([
      { path: "body.email", message: expect.any(String) },
    ]);
    expect(await api.endOffsets()).toEqual(before);
  });
});
