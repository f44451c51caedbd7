import { beforeEach, describe, expect, it } from "vitest";
import { ApiError } from "../src/api/client.ts";
import { useSession } from "../src/stores/session.ts";
import { answer, plugins } from "./setup.ts";

const loggedIn = {
  token: "t0k3n",
  expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
  user: { userId: "u1", username: "ada", displayName: "Ada", role: "listener" },
};

describe("session store", () => {
  beforeEach(() => localStorage.clear());

  it("logs in, sends the token, and keeps the session for the next page load", async () => {
    const calls = answer({ "/api/auth/login": loggedIn });
    plugins();
    const session = useSession();
    await session.login("ada", "secret-secret");
    expect(session.user?.displayName).toBe("Ada");
    expect(calls).toEqual(["/api/auth/login"]);

    plugins(); // a reload: a new Pinia reads what was kept
    expect(useSession().user?.username).toBe("ada");
  });

  it("forgets an expired session", () => {
    localStorage.setItem(
      "vobe.session",
      JSON.stringify({ ...loggedIn, expiresAt: new Date(Date.now() - 1000).toISOString() }),
    );
    plugins();
    expect(useSession().user).toBeUndefined();
  });

  it("logs out", async () => {
    answer({ "/api/auth/login": loggedIn });
    plugins();
    const session = useSession();
    await session.login("ada", "secret-secret");
    session.logout();
    expect(session.user).toBeUndefined();
    expect(localStorage.getItem("vobe.session")).toBeNull();
  });

  it("turns a refused login into an ApiError with the API's code", async () => {
    answer({
      "/api/auth/login": [401, { error: { code: "invalid_credentials", message: "wrong" } }],
    });
    plugins();
    const error = await useSession()
      .login("ada", "nope")
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).code).toBe("invalid_credentials");
    expect(useSession().user).toBeUndefined();
  });
});
