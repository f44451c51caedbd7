import { randomUUID } from "node:crypto";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { Serdes, TopologyTestDriver } from "../../../processors/engine/index.ts";
import { AvroSerdes } from "../../../processors/serdes/avro.ts";
import {
  type ClaimState,
  identityOwnersStores,
  identityOwnersTopology,
} from "../../../processors/topologies/identity-owners.ts";
import {
  IdentityClaimed,
  IdentityOwner,
  IdentityReleased,
} from "../../../schemas/generated/index.ts";

const types = [IdentityClaimed, IdentityReleased];
const [ann, bob, cid] = [randomUUID(), randomUUID(), randomUUID()];
const key = "username:ann";
const T0 = Date.UTC(2026, 0, 5);

let serdes: AvroSerdes;
let driver: TopologyTestDriver | undefined;
beforeAll(async () => {
  serdes = await AvroSerdes.inMemory([...types, IdentityOwner]);
});
afterEach(() => driver?.close());

function start() {
  driver = new TopologyTestDriver(identityOwnersTopology({ serdes }));
  const input = driver.createInputTopic(
    "auth.identity-claims",
    Serdes.string(),
    serdes.events(types),
  );
  const out = driver.createOutputTopic(
    "auth.identity-owners",
    Serdes.string(),
    serdes.derived(IdentityOwner),
  );
  let clock = T0;
  const send = (
    type: typeof IdentityClaimed | typeof IdentityReleased,
    userId: string,
    claimKey = key,
  ) => {
    clock += 1_000;
    input.pipeInput(
      claimKey,
      {
        type: type.name,
        value: {
          eventId: randomUUID(),
          occurredAt: new Date(clock),
          actor: { userId, role: "listener" },
          claimKey,
          userId,
        },
      },
      clock,
    );
  };
  const owners = () => out.readKeyValuesToList().map(([k, v]) => [k, v === null ? null : v.userId]);
  return { driver, send, owners, out };
}

describe("identity owners", () => {
  it("gives a key to its first claim; later claims lose", () => {
    const { send, out, driver } = start();
    send(IdentityClaimed, ann);
    send(IdentityClaimed, bob);
    const records = out.readValuesToList();
    // The losing claim re-states the unchanged owner.
    expect(records.map((v) => v?.userId)).toEqual([ann, ann]);
    expect(records[0]).toMatchObject({ claimKey: key, claimedAt: new Date(T0 + 1_000) });
    expect(records[1]?.claimedAt).toEqual(new Date(T0 + 1_000));
    const store = driver.getKeyValueStore<string, ClaimState>(identityOwnersStores.claims);
    expect(store.get(key)?.owner?.userId).toBe(ann);
  });

  it("frees a key released by its holder (tombstone) and only then lets another claim it", () => {
    const { send, owners } = start();
    send(IdentityClaimed, ann);
    send(IdentityReleased, bob); // not the holder: ignored
    send(IdentityReleased, ann);
    send(IdentityReleased, ann); // already free: nothing
    send(IdentityClaimed, cid);
    send(IdentityClaimed, ann, "email:other"); // another key, independent
    expect(owners()).toEqual([
      [key, ann],
      [key, ann],
      [key, null],
      [key, cid],
      ["email:other", ann],
    ]);
  });
});
