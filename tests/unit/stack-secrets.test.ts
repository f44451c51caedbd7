import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  addStackHome,
  kafkaSaslFor,
  removeStackHome,
} from "../../platform/config/kafka-credentials.ts";
import {
  ensureStackSecrets,
  markKafkaSasl,
  readStackSecrets,
  secretsFile,
} from "../../stack/secrets.ts";

const homes: string[] = [];
const newHome = () => {
  const home = mkdtempSync(join(tmpdir(), "vobe-secrets-test-"));
  homes.push(home);
  return home;
};
afterAll(() => {
  for (const home of homes) rmSync(home, { recursive: true, force: true });
});

describe("a stack's own secrets", () => {
  it("are made at random on first use, readable by their owner only, and kept", () => {
    const a = newHome();
    const b = newHome();
    const first = ensureStackSecrets({ kafka: ["admin"], postgres: ["vobe_auth"] }, a);
    expect(first.jwtSecret).toMatch(/^[0-9a-f]{48}$/);
    expect(statSync(secretsFile(a)).mode & 0o777).toBe(0o600);
    // The next start finds the same secrets; another stack has its own.
    expect(ensureStackSecrets({ kafka: ["admin"] }, a)).toEqual(first);
    expect(ensureStackSecrets({}, b).jwtSecret).not.toBe(first.jwtSecret);
  });

  it("give a principal added later a password and leave the others as they were", () => {
    const home = newHome();
    const before = ensureStackSecrets({ kafka: ["admin"] }, home);
    const after = ensureStackSecrets({ kafka: ["admin", "analyst"] }, home);
    expect(after.kafka.admin).toBe(before.kafka.admin);
    expect(after.kafka.analyst).toMatch(/^[0-9a-f]{48}$/);
    expect(after.jwtSecret).toBe(before.jwtSecret);
  });
});

describe("how a Kafka client logs in", () => {
  it("uses KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD first, SCRAM-SHA-256 unless told", () => {
    expect(
      kafkaSaslFor(["elsewhere:9092"], { KAFKA_SASL_USERNAME: "u", KAFKA_SASL_PASSWORD: "p" }),
    ).toEqual({ mechanism: "SCRAM-SHA-256", username: "u", password: "p" });
    expect(() => kafkaSaslFor(["x:1"], { KAFKA_SASL_USERNAME: "u" })).toThrow(/go together/);
    expect(() => kafkaSaslFor(["x:1"], { KAFKA_SASL_MECHANISM: "MD5" })).toThrow(/MD5/);
  });

  it("finds a native stack's principal when its broker serves SASL, and stays PLAINTEXT otherwise", () => {
    const home = newHome();
    const secrets = ensureStackSecrets({ kafka: ["admin", "analyst"] }, home);
    addStackHome(home);
    try {
      // Not yet SASL (a broker started before access control): no login.
      expect(kafkaSaslFor(["127.0.0.1:19999"], {})).toBeUndefined();
      markKafkaSasl("127.0.0.1:19999", home);
      expect(readStackSecrets(home)?.kafkaSaslListener).toBe("127.0.0.1:19999");
      expect(kafkaSaslFor(["127.0.0.1:19999"], {})).toEqual({
        mechanism: "SCRAM-SHA-256",
        username: "admin",
        password: secrets.kafka.admin,
      });
      expect(kafkaSaslFor(["127.0.0.1:19999"], { KAFKA_SASL_PRINCIPAL: "analyst" })?.password).toBe(
        secrets.kafka.analyst,
      );
      expect(() => kafkaSaslFor(["127.0.0.1:19999"], { KAFKA_SASL_PRINCIPAL: "nobody" })).toThrow(
        /no such Kafka principal/,
      );
      expect(kafkaSaslFor(["localhost:19999"], {})?.username).toBe("admin");
      // Another cluster, no variables: PLAINTEXT.
      expect(kafkaSaslFor(["elsewhere:9092"], {})).toBeUndefined();
    } finally {
      removeStackHome(home);
    }
  });
});
