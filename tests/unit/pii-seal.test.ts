import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { isSealed, open, openFields, seal, sealFields } from "../../platform/pii/seal.ts";

const user = "6f1c2a9e-0000-4000-8000-000000000001";
const other = "6f1c2a9e-0000-4000-8000-000000000002";

describe("sealing personal fields (docs/adr/019-erasure.md)", () => {
  const key = randomBytes(32);

  it("seals to an opaque string that opens with the key, the user and the field", () => {
    const sealed = seal(key, user, "email", "Ana@Example.com");
    expect(isSealed(sealed)).toBe(true);
    expect(sealed).not.toContain("Ana");
    expect(open(key, user, "email", sealed)).toBe("Ana@Example.com");
    // A fresh IV each time: equal addresses do not give equal ciphertexts.
    expect(seal(key, user, "email", "Ana@Example.com")).not.toBe(sealed);
  });

  it("answers null without the key (erased), and refuses another user, field or key", () => {
    const sealed = seal(key, user, "email", "Ana@Example.com");
    expect(open(undefined, user, "email", sealed)).toBeNull();
    expect(() => open(key, other, "email", sealed)).toThrow();
    expect(() => open(key, user, "displayName", sealed)).toThrow();
    expect(() => open(randomBytes(32), user, "email", sealed)).toThrow();
  });

  it("reads records written before sealing as their plain text", () => {
    expect(open(undefined, user, "email", "old@example.com")).toBe("old@example.com");
  });

  it("seals and opens a payload's named fields; null stays null; no key, no payload", () => {
    const payload = { userId: user, displayName: "Ana", bio: null, locale: "sv" };
    const sealed = sealFields(key, user, payload, ["displayName", "bio"]);
    expect(sealed.bio).toBeNull();
    expect(sealed.locale).toBe("sv");
    expect(isSealed(sealed.displayName)).toBe(true);
    expect(openFields(key, user, sealed, ["displayName", "bio"])).toEqual(payload);
    expect(openFields(undefined, user, sealed, ["displayName", "bio"])).toBeUndefined();
  });
});
