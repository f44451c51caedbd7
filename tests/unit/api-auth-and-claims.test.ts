import { describe, expect, it } from "vitest";
import { createAuth, jwtSecretFromEnv } from "../../api/http/auth.ts";
import {
  claimWindowMs,
  firstLiveClaim,
  type IdentityState,
  keysHeldBy,
} from "../../api/state/identity-claims.ts";

const state = (): IdentityState => ({ claims: new Map(), accounts: new Map() });
const claim = (s: IdentityState, key: string, userId: string, claimedAt: number) => {
  s.claims.set(key, [...(s.claims.get(key) ?? []), { userId, claimedAt, released: false }]);
};

describe("which claim of an identity is live", () => {
  const now = 1_000_000;

  it("the first claim in the log wins while its sign-up is in progress", () => {
    const s = state();
    claim(s, "email:a", "u1", now - 1000);
    claim(s, "email:a", "u2", now - 500);
    expect(firstLiveClaim(s, "email:a", now)?.userId).toBe("u1");
  });

  it("an abandoned claim (older than the window, never registered) is not live", () => {
    const s = state();
    claim(s, "email:a", "u1", now - claimWindowMs - 1);
    claim(s, "email:a", "u2", now - 10);
    expect(firstLiveClaim(s, "email:a", now)?.userId).toBe("u2");
  });

  it("a registered claimant keeps the identity forever; an erased one or a release frees it", () => {
    const s = state();
    claim(s, "email:a", "u1", 0);
    s.accounts.set("u1", "registered");
    expect(firstLiveClaim(s, "email:a", now)?.userId).toBe("u1");
    s.accounts.set("u1", "erased");
    expect(firstLiveClaim(s, "email:a", now)).toBeUndefined();
    claim(s, "username:b", "u3", now);
    expect(keysHeldBy(s, "u3")).toEqual(["username:b"]);
    for (const c of s.claims.get("username:b") ?? []) c.released = true;
    expect(firstLiveClaim(s, "username:b", now)).toBeUndefined();
    expect(keysHeldBy(s, "u3")).toEqual([]);
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
