/**
 * The platform's logger keeps secrets and personal data out of its lines (issue 15,
 * docs/adr/031-traces-and-logs.md): by field path, and in any string wherever it sits.
 */
import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger, scrub } from "../../platform/telemetry/log.ts";

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...String(chunk).split("\n").filter(Boolean));
      done();
    },
  });
  return { lines, logger: createLogger("api", { destination, level: "debug" }) };
}

const jwt =
  "eyJhbGciOiJIUzI1NiJ9.eyJ1c2VySWQiOiI0MiIsInJvbGUiOiJsaXN0ZW5lciJ9.c2lnbmF0dXJlLWJ5dGVz";

describe("the platform's logger", () => {
  it("writes one JSON object a line naming its process, level, request and trace", () => {
    const { lines, logger } = capture();
    logger.child({ requestId: "req-1", traceId: "0af7651916cd43dd8448eb211c80319c" }).info("hello");
    const line = JSON.parse(lines[0] as string);
    expect(line).toMatchObject({
      process: "api",
      level: 30,
      requestId: "req-1",
      traceId: "0af7651916cd43dd8448eb211c80319c",
      msg: "hello",
    });
    expect(typeof line.time).toBe("string");
  });

  it("leaves no e-mail, password or token in a line, whatever field or message holds it", () => {
    const { lines, logger } = capture();
    logger.info(
      {
        body: { email: "ana@example.org", password: "hunter2-secret", username: "ana" },
        req: { headers: { authorization: `Bearer ${jwt}`, cookie: "session=abc" } },
        token: jwt,
        note: "from ana@example.org with password=hunter2-secret",
      },
      `login of bob@example.com with Bearer ${jwt}`,
    );
    logger.warn({ err: new Error("no account for carol@example.net") }, "sign-in failed");
    logger.error(`token=${jwt} refused`);
    const all = lines.join("\n");
    for (const secret of [
      "ana@example.org",
      "bob@example.com",
      "carol@example.net",
      "hunter2-secret",
      jwt,
      "session=abc",
    ]) {
      expect(all).not.toContain(secret);
    }
    // What is not secret stays readable.
    expect(all).toContain('"username":"ana"');
    expect(all).toContain("sign-in failed");
    expect(lines).toHaveLength(3);
  });

  it("scrubs text without touching ordinary words", () => {
    expect(scrub("plays of track 42 by user 7")).toBe("plays of track 42 by user 7");
    expect(scrub("mail x.y+z@mail.example.co.uk now")).toBe("mail [email] now");
    expect(scrub(`Authorization: Basic dXNlcjpwYXNz`)).toBe("Authorization: Basic [redacted]");
  });
});
