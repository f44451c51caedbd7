import { describe, expect, it } from "vitest";
import { createAuth, jwtSecretFromEnv } from "../../api/http/auth.ts";
import { coalesced } from "../../api/state/coalesce.ts";

// Who holds an identity is decided by vobe-identity-owners alone: its rule is tested in
// tests/unit/topologies/identity-owners.test.ts, the sign-up against it in
// tests/integration/api-auth.test.ts.

describe("checks share their offset lookups", () => {
  it("never answers a caller with a lookup that started before its call", async () => {
    let started = 0;
    const releases: Array<(n: number) => void> = [];
    const lookUp = coalesced(
      () =>
        new Promise<number>((resolve) => {
          started++;
          releases.push(resolve);
        }),
    );
    const first = lookUp();
    // Two callers during the first lookup share one queued lookup, started after it.
    const second = lookUp();
    const third = lookUp();
    expect(started).toBe(1);
    releases[0]?.(1);
    expect(await first).toBe(1);
    await new Promise((r) => setTimeout(r, 0));
    expect(started).toBe(2);
    releases[1]?.(2);
    expect(await second).toBe(2);
    expect(await third).toBe(2);
  });
});

describe("the JWT secret and tokens", () => {
  it("refuses the development default in production, and short secrets anywhere", () => {
    expect(() => jwtSecretFromEnv({ NODE_ENV: "production" })).toThrow(/VOBE_JWT_SECRET/);
    expect(() => jwtSecretFromEnv({ VOBE_JWT_SECRET: "short" })).toThrow(/32 characters/);
    expect(jwtSecretFromEnv({ NODE_ENV: "development" })).toMatch(/dev/);
  });

  it("round-trips a token and refuses one signed with another secret", async () => {
    const auth = createAuth({ secret: "a".repeat(32) });
    const user = {
      userId: "7d0a3b0e-2b4c-4a53-9a0e-1f1f1f1f1f1f",
      role: "artist" as const,
      username: "x",
    };
    const { token } = await auth.issue(user);
    expect(await auth.verify(token)).toEqual(user);
    const other = createAuth({ secret: "b".repeat(32) });
    await expect(other.verify(token)).rejects.toMatchObject({
      statusCode: 401,
      code: "token_invalid",
    });
  });
});
