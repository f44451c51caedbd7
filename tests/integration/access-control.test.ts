/**
 * Who may read what, enforced by Kafka and Postgres themselves (docs/adr/020-access-control.md):
 * the broker authenticates with SASL/SCRAM and its StandardAuthorizer allows what the
 * ACLs derived from the topic catalog allow; Postgres has a role per service database and
 * a read-only analyst role.
 *
 * Kafka: the project's stack when its broker serves SASL; otherwise (a stack started
 * before access control and not restarted since) a private broker of this test, made by
 * the same `vobe stack up`. The clients here are built by hand with an explicit principal:
 * what is tested is the broker's answer, not the platform's choice of principal.
 */
import { randomUUID } from "node:crypto";
import { Admin, Consumer, ProduceAcks, Producer, type SASLOptions } from "@platformatic/kafka";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { databaseUrlFor } from "../../platform/config/endpoints.ts";
import { brokerErrorNames, createAdmin, createProducer } from "../../platform/kafka/index.ts";
import { createKeyStore, ensureKeyTable, keysTable } from "../../platform/pii/key-store.ts";
import { createPool } from "../../platform/postgres/pool.ts";
import { applyCatalog } from "../../schemas/apply.ts";
import { catalog } from "../../schemas/catalog.ts";
import { stackConfig } from "../../stack/config.ts";
import {
  analystPrincipal,
  apiServicePrincipal,
  processorsPrincipal,
  superUser,
} from "../../stack/kafka-acls.ts";
import { analystRole, serviceRole } from "../../stack/postgres-roles.ts";
import { readStackSecrets, type StackSecrets } from "../../stack/secrets.ts";
import { freePort, type PrivateStack, privateStack } from "../support/private-stack.ts";

const endpoints = inject("endpoints");
const checkedTopics = [
  "auth.credentials",
  "auth.users",
  "auth.account-snapshots",
  "listening.plays",
];

describe("Kafka access control (SASL/SCRAM, StandardAuthorizer, ACLs from the catalog)", () => {
  let brokers: string[];
  let secrets: StackSecrets;
  let stack: PrivateStack | undefined;

  beforeAll(async () => {
    const shared = readStackSecrets();
    if (shared?.kafkaSaslListener && endpoints.kafkaBrokers.includes(shared.kafkaSaslListener)) {
      brokers = endpoints.kafkaBrokers;
      secrets = shared;
      // The catalog's topics the checks name, as `vobe topics apply` makes them (on a fresh
      // clone the integration tests run before anything applied the catalog).
      await applyCatalog({
        kafkaBrokers: brokers,
        schemaRegistryUrl: endpoints.schemaRegistryUrl,
        catalog: catalog.filter((t) => checkedTopics.includes(t.name)),
      });
    } else {
      stack = await privateStack({ kafka: await freePort() });
      await stack.up("kafka");
      brokers = stack.kafkaBrokers;
      secrets = readStackSecrets(stack.home) as StackSecrets;
      // The catalog's topics the checks name; on the project's stack `vobe topics apply` made them.
      const admin = createAdmin({ brokers, clientId: "vobe-tests-acl-setup" });
      try {
        await admin.createTopics(checkedTopics.map((name) => ({ name, partitions: 1 })));
      } finally {
        await admin.close();
      }
    }
  }, 240_000);

  afterAll(async () => {
    await stack?.destroy();
  }, 120_000);

  const sasl = (principal: string, password = secrets.kafka[principal]): SASLOptions => ({
    mechanism: "SCRAM-SHA-256",
    username: principal,
    password: password as string,
  });

  /** Fetches partition 0 of `topic` from offset 0 as `principal`; the broker's error names, or "ok". */
  const readAs = async (principal: string, topic: string): Promise<string[] | "ok"> => {
    const consumer = new Consumer({
      clientId: `vobe-tests-acl-${principal}`,
      groupId: `analyst-vobe-tests-${randomUUID()}`,
      bootstrapBrokers: brokers,
      sasl: sasl(principal),
      retries: 0,
    });
    try {
      // A topic made a moment ago may have no leader yet: ask again for a while.
      let metadata = await consumer.metadata({ topics: [topic] });
      for (
        let i = 0;
        i < 50 && metadata.topics.get(topic)?.partitions[0]?.leader === undefined;
        i++
      ) {
        await new Promise((resolve) => setTimeout(resolve, 200));
        metadata = await consumer.metadata({ topics: [topic], forceUpdate: true });
      }
      const leader = metadata.topics.get(topic)?.partitions[0]?.leader;
      const response = await consumer.fetch({
        node: leader as number,
        maxWaitTime: 10,
        minBytes: 1,
        maxBytes: 1024,
        topics: [
          {
            topicId: metadata.topics.get(topic)?.id as string,
            partitions: [
              {
                partition: 0,
                fetchOffset: 0n,
                partitionMaxBytes: 1024,
                currentLeaderEpoch: -1,
                lastFetchedEpoch: -1,
              },
            ],
          },
        ],
      });
      const codes = response.responses.flatMap((t) => t.partitions.map((p) => p.errorCode));
      // 29: TOPIC_AUTHORIZATION_FAILED, when the client hands a partition's error back.
      if (codes.includes(29)) return ["TOPIC_AUTHORIZATION_FAILED"];
      return codes.every((c) => c === 0) ? "ok" : codes.map(String);
    } catch (error) {
      const names = brokerErrorNames(error);
      return names.length > 0 ? names : [String((error as Error).message)];
    } finally {
      await consumer.close().catch(() => {});
    }
  };

  /** Sends one record to `topic` as `principal`; the broker's error names, or "ok". */
  const writeAs = async (principal: string, topic: string): Promise<string[] | "ok"> => {
    const producer = new Producer({
      clientId: `vobe-tests-acl-${principal}`,
      bootstrapBrokers: brokers,
      sasl: sasl(principal),
      acks: ProduceAcks.ALL,
      retries: 0,
      autocreateTopics: false,
    });
    try {
      await producer.send({
        messages: [{ topic, key: Buffer.from("acl-test"), value: Buffer.from("refused") }],
      });
      return "ok";
    } catch (error) {
      return brokerErrorNames(error);
    } finally {
      await producer.close().catch(() => {});
    }
  };

  it("refuses the analyst the restricted topics (password hashes, e-mail addresses)", async () => {
    expect(await readAs(analystPrincipal, "auth.credentials")).toContain(
      "TOPIC_AUTHORIZATION_FAILED",
    );
    expect(await readAs(analystPrincipal, "auth.account-snapshots")).toContain(
      "TOPIC_AUTHORIZATION_FAILED",
    );
  });

  it("lets the analyst read a public topic, and the super user a restricted one", async () => {
    expect(await readAs(analystPrincipal, "listening.plays")).toBe("ok");
    expect(await readAs(analystPrincipal, "auth.users")).toBe("ok");
    // The refusal above is the ACLs' doing: the topic is there and readable by who may.
    expect(await readAs(superUser, "auth.credentials")).toBe("ok");
  });

  it("refuses a service's principal writes to another service's topic", async () => {
    expect(await writeAs(apiServicePrincipal("listening"), "auth.users")).toContain(
      "TOPIC_AUTHORIZATION_FAILED",
    );
    // Derived topics are the processors' alone, even for the service that owns them.
    expect(await writeAs(apiServicePrincipal("auth"), "auth.account-snapshots")).toContain(
      "TOPIC_AUTHORIZATION_FAILED",
    );
    // Reading is refused too where the catalog does not list the service as a reader.
    expect(await readAs(apiServicePrincipal("listening"), "auth.credentials")).toContain(
      "TOPIC_AUTHORIZATION_FAILED",
    );
    expect(await readAs(processorsPrincipal, "auth.credentials")).toContain(
      "TOPIC_AUTHORIZATION_FAILED",
    );
  });

  it("refuses a transactional id outside the principal's prefix on every start, not 'already active' after the first", async () => {
    // A transaction start that fails leaves the client believing a transaction is open, so
    // every later start said "There is already an active transaction" and the API's
    // writer could not recover (a CI run after a broker kill). The API's producer now
    // starts over with a new client: the broker's own refusal comes back each time.
    // Named, not set in the environment for a moment: each new client looks it up again.
    const producer = createProducer({
      brokers,
      clientId: "vobe-tests-acl-tx-refused",
      principal: processorsPrincipal,
      transactionalId: `not-a-processors-id-${randomUUID()}`,
      restartAfterRefusedSend: true,
      deliveryTimeoutMs: 5_000,
    });
    try {
      for (let attempt = 0; attempt < 3; attempt++) {
        const refused = await producer.transaction().then(
          () => null,
          (error: unknown) => error,
        );
        expect(refused, `start ${attempt + 1}`).not.toBeNull();
        expect(String(refused)).not.toContain("already an active transaction");
        expect(brokerErrorNames(refused)).toContain("TRANSACTIONAL_ID_AUTHORIZATION_FAILED");
      }
    } finally {
      await producer.close();
    }
  });

  it("runs a transaction as a principal that is not a super user", async () => {
    // The processors' own prefix: a topic and a transactional id no real topology uses.
    const topic = `vobe-acl-test-${randomUUID()}`;
    const admin = createAdmin({ brokers, clientId: "vobe-tests-acl-setup" });
    await admin.createTopics([{ name: topic, partitions: 1 }]);
    const saved = { ...process.env };
    process.env.KAFKA_SASL_USERNAME = processorsPrincipal;
    process.env.KAFKA_SASL_PASSWORD = secrets.kafka[processorsPrincipal];
    // The platform's own producer, as the processors run it.
    const producer = createProducer({
      brokers,
      clientId: "vobe-tests-acl-tx",
      transactionalId: topic,
    });
    process.env = saved;
    try {
      const tx = await producer.transaction();
      await tx.send([{ topic, key: Buffer.from("k"), value: Buffer.from("in a transaction") }]);
      await tx.commit();
      // The commit marker lands right after the commit: the stable end follows it.
      let stable = await admin.endOffsets(topic, "read_committed");
      for (let i = 0; i < 50 && stable[0] !== 2n; i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        stable = await admin.endOffsets(topic, "read_committed");
      }
      expect(stable).toEqual([2n]);
    } finally {
      await producer.close();
      await admin.deleteTopics([topic]);
      await admin.close();
    }
  });

  it("refuses a client with a wrong password, and one without SASL", async () => {
    const admin = new Admin({
      clientId: "vobe-tests-acl-wrong-password",
      bootstrapBrokers: brokers,
      sasl: sasl(analystPrincipal, "not-the-password"),
      retries: 0,
    });
    const wrong = await admin.listTopics().then(
      () => "ok",
      (error: unknown) =>
        String((error as Error).message) + JSON.stringify(brokerErrorNames(error)),
    );
    await admin.close().catch(() => {});
    expect(wrong).toMatch(/SASL_AUTHENTICATION_FAILED|authentication/i);

    const plaintext = new Admin({
      clientId: "vobe-tests-acl-plaintext",
      bootstrapBrokers: brokers,
      retries: 0,
      connectTimeout: 2000,
      requestTimeout: 3000,
    });
    const anonymous = await plaintext.listTopics().then(
      () => "ok",
      () => "refused",
    );
    await plaintext.close().catch(() => {});
    expect(anonymous).toBe("refused");
  });
});

describe("Postgres roles", () => {
  const secrets = readStackSecrets();
  const as = (role: string, database: string) => {
    const url = new URL(databaseUrlFor(endpoints, database));
    url.username = role;
    url.password = secrets?.postgres[role] ?? "";
    return new pg.Client({ connectionString: url.toString() });
  };
  const owner = new pg.Client({ connectionString: databaseUrlFor(endpoints, "listening") });
  const schema = `acl_${randomUUID().replaceAll("-", "").slice(0, 12)}`;

  beforeAll(async () => {
    expect(secrets?.postgres[analystRole], "the stack made its Postgres roles").toBeTruthy();
    await owner.connect();
    // Made after the roles, as a new view version is: the default privileges must cover it.
    await owner.query(`create schema ${schema}`);
    await owner.query(`create table ${schema}.plays (id int primary key, n int not null)`);
    await owner.query(`insert into ${schema}.plays values (1, 10)`);
    await owner.query(`create view ${schema}.play_counts as select id, n from ${schema}.plays`);
  });

  afterAll(async () => {
    await owner.query(`drop schema if exists ${schema} cascade`).catch(() => {});
    await owner.end();
  });

  const denied = async (client: pg.Client, sql: string) =>
    client.query(sql).then(
      () => "allowed",
      (error: { code?: string }) => error.code,
    );

  it("lets the analyst SELECT a view and refuses every write", async () => {
    const analyst = as(analystRole, "listening");
    await analyst.connect();
    try {
      const { rows } = await analyst.query(`select n from ${schema}.play_counts where id = 1`);
      expect(rows).toEqual([{ n: 10 }]);
      // Read-only by default; switched off, the grants still refuse (42501 insufficient_privilege).
      expect(await denied(analyst, `insert into ${schema}.plays values (2, 1)`)).toBe("25006");
      await analyst.query("set default_transaction_read_only = off");
      expect(await denied(analyst, `insert into ${schema}.plays values (2, 1)`)).toBe("42501");
      expect(await denied(analyst, `update ${schema}.plays set n = 0`)).toBe("42501");
      expect(await denied(analyst, `delete from ${schema}.plays`)).toBe("42501");
      expect(await denied(analyst, `create table ${schema}.mine (id int)`)).toBe("42501");
    } finally {
      await analyst.end();
    }
  });

  it("keeps the analyst out of the users' data keys, which the auth role can use", async () => {
    const ownerPool = createPool(databaseUrlFor(endpoints, "auth"), 1);
    const authUrl = new URL(databaseUrlFor(endpoints, "auth"));
    authUrl.username = serviceRole("auth");
    authUrl.password = secrets?.postgres[serviceRole("auth")] ?? "";
    const authPool = new pg.Pool({ connectionString: authUrl.toString(), max: 1 });
    const analyst = as(analystRole, "auth");
    await analyst.connect();
    try {
      await ensureKeyTable(ownerPool);
      // The API's key store runs as the auth database's role (VOBE_POSTGRES_SERVICE_ROLES=1).
      const keys = createKeyStore(authPool);
      const userId = randomUUID();
      expect((await keys.create(userId)).length).toBe(32);
      await keys.destroy(userId);
      expect(await denied(analyst, `select count(*) from ${keysTable}`)).toBe("42501");
    } finally {
      await analyst.end();
      await authPool.end();
      await ownerPool.end();
    }
  });

  it("gives each service database its own role, which cannot reach another's", async () => {
    const listening = as(serviceRole("listening"), "listening");
    await listening.connect();
    try {
      await listening.query(`update ${schema}.plays set n = n + 1 where id = 1`);
      expect((await listening.query(`select n from ${schema}.plays`)).rows).toEqual([{ n: 11 }]);
    } finally {
      await listening.end();
    }
    const intruder = as(serviceRole("listening"), "auth");
    const refused = await intruder.connect().then(
      () => "connected",
      (error: { code?: string }) => error.code,
    );
    await intruder.end().catch(() => {});
    expect(refused).toBe("42501");
    expect(stackConfig.serviceDatabases).toContain("auth");
  });
});
