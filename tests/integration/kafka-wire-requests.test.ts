/**
 * The count of requests a client wrote to a broker, which decides whether a failed send
 * says "nothing was written" (platform/kafka/wire-requests.ts): a send that reached the
 * broker counts, for that client only; a send to a broker that is not there counts nothing.
 */
import { ProduceAcks, Producer } from "@platformatic/kafka";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectionOptions } from "../../platform/kafka/connection.ts";
import { apiKeys, wireRequestsMark } from "../../platform/kafka/wire-requests.ts";
import { brokers, testAdmin, uniqueName } from "../support/kafka.ts";
import { freePort } from "../support/private-stack.ts";

const producerFor = (bootstrap: string[]) =>
  new Producer({
    clientId: "vobe-tests-wire-requests",
    bootstrapBrokers: bootstrap,
    ...connectionOptions(bootstrap),
    idempotent: true,
    acks: ProduceAcks.ALL,
    autocreateTopics: false,
    retries: 2,
    retryDelay: 100,
  });

describe("the Produce requests a client wrote to a broker", () => {
  const admin = testAdmin();
  const topic = uniqueName("wire-requests");
  const reaching = producerFor(brokers());
  const bystander = producerFor(brokers());
  let nowhere: Producer;

  beforeAll(async () => {
    await admin.createTopics([{ name: topic, partitions: 1 }]);
    nowhere = producerFor([`127.0.0.1:${await freePort()}`]);
  });
  afterAll(async () => {
    await Promise.all([reaching.close(), bystander.close(), nowhere.close()]);
    await admin.deleteTopics([topic]);
    await admin.close();
  });

  const message = { topic, key: Buffer.from("k"), value: Buffer.from("v") };

  it("count a send that reached the broker, for its own client only", async () => {
    const own = wireRequestsMark(reaching.instanceId, apiKeys.produce);
    const other = wireRequestsMark(bystander.instanceId, apiKeys.produce);
    const commits = wireRequestsMark(reaching.instanceId, apiKeys.endTxn);
    expect(own.since()).toBe(false);
    await reaching.send({ messages: [message] });
    expect(own.since()).toBe(true);
    expect(other.since()).toBe(false);
    expect(commits.since()).toBe(false);
  });

  it("count nothing for a send that found no broker", async () => {
    const mark = wireRequestsMark(nowhere.instanceId, apiKeys.produce);
    await expect(nowhere.send({ messages: [message] })).rejects.toThrow();
    expect(mark.since()).toBe(false);
  });
});
