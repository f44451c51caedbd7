import { randomUUID } from "node:crypto";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { emailClaimKey, usernameClaimKey } from "../../../api/auth/claim-keys.ts";
import { Serdes, TopologyTestDriver } from "../../../processors/engine/index.ts";
import { AvroSerdes } from "../../../processors/serdes/avro.ts";
import {
  applyFact,
  claimWindowMs,
  holderOf,
  type IdentityFact,
  type IdentityState,
  identityOwnersStores,
  identityOwnersTopology,
} from "../../../processors/topologies/identity-owners.ts";
import {
  IdentityClaimed,
  IdentityOwner,
  IdentityReleased,
  UserErased,
  UserRegistered,
} from "../../../schemas/generated/index.ts";

const claimTypes = [IdentityClaimed, IdentityReleased];
const userTypes = [UserRegistered, UserErased];
const [ann, bob, cid] = [randomUUID(), randomUUID(), randomUUID()];
const T0 = Date.UTC(2026, 0, 5);
const W = claimWindowMs;

let serdes: AvroSerdes;
let driver: TopologyTestDriver | undefined;
beforeAll(async () => {
  serdes = await AvroSerdes.inMemory([...claimTypes, ...userTypes, IdentityOwner]);
});
afterEach(() => driver?.close());

const envelope = (userId: string, at: number) => ({
  eventId: randomUUID(),
  occurredAt: new Date(at),
  actor: { userId, role: "listener" as const },
});

/** A sign-up's facts, each at an explicit event time: claims of one name and one e-mail. */
function start() {
  driver = new TopologyTestDriver(identityOwnersTopology({ serdes }));
  const claims = driver.createInputTopic(
    "auth.identity-claims",
    Serdes.string(),
    serdes.events(claimTypes),
  );
  const users = driver.createInputTopic("auth.users", Serdes.string(), serdes.events(userTypes));
  const out = driver.createOutputTopic(
    "auth.identity-owners",
    Serdes.string(),
    serdes.derived(IdentityOwner),
  );
  const name = (user: string) => `name-of-${user.slice(0, 8)}`;
  const claim = (userId: string, at: number, claimKey = usernameClaimKey("ann")) =>
    claims.pipeInput(
      claimKey,
      { type: IdentityClaimed.name, value: { ...envelope(userId, at), claimKey, userId } },
      at,
    );
  const release = (userId: string, at: number, claimKey = usernameClaimKey("ann")) =>
    claims.pipeInput(
      claimKey,
      { type: IdentityReleased.name, value: { ...envelope(userId, at), claimKey, userId } },
      at,
    );
  const register = (userId: string, at: number, username = "ann") =>
    users.pipeInput(
      userId,
      {
        type: UserRegistered.name,
        value: {
          ...envelope(userId, at),
          userId,
          username,
          email: `${name(userId)}@example.com`,
          displayName: "A",
          role: "listener",
        },
      },
      at,
    );
  const erase = (userId: string, at: number) =>
    users.pipeInput(
      userId,
      { type: UserErased.name, value: { ...envelope(userId, at), userId, reason: null } },
      at,
    );
  /** The latest record per key, as the compacted topic keeps it. */
  const latest = new Map<string, { userId: string; registered: boolean } | null>();
  const owner = (claimKey = usernameClaimKey("ann")) => {
    for (const [k, v] of out.readKeyValuesToList()) {
      if (k === null) continue;
      latest.set(k, v === null ? null : { userId: v.userId, registered: v.registered });
    }
    return latest.get(claimKey);
  };
  return { claim, release, register, erase, owner, out, driver };
}

describe("identity owners: the one place that decides who holds an e-mail or username", () => {
  it("gives a key to its first claim; a later claim inside the window loses", () => {
    const { claim, owner, out } = start();
    claim(ann, T0);
    claim(bob, T0 + 1_000);
    const records = out.readValuesToList();
    // The losing claim re-states the unchanged owner.
    expect(records.map((v) => v?.userId)).toEqual([ann, ann]);
    expect(records[0]).toMatchObject({ claimedAt: new Date(T0), registered: false });
    claim(cid, T0 + W - 1);
    expect(owner()).toEqual({ userId: ann, registered: false });
  });

  it("lets a claim take over an abandoned one: unregistered, and the new claim a window later", () => {
    const { claim, register, owner } = start();
    claim(ann, T0);
    claim(bob, T0 + W); // ann never registered: her sign-up was abandoned
    expect(owner()).toEqual({ userId: bob, registered: false });
    register(bob, T0 + W + 2_000);
    expect(owner()).toEqual({ userId: bob, registered: true });
    // Registered within the window: the key is bob's for good, however late the next claim.
    claim(cid, T0 + 100 * W);
    expect(owner()).toEqual({ userId: bob, registered: true });
  });

  it("a registration after the window does not hold the key against a later claim", () => {
    const { claim, register, owner } = start();
    claim(ann, T0);
    register(ann, T0 + W + 1);
    expect(owner()).toEqual({ userId: ann, registered: false });
    claim(bob, T0 + W + 5);
    expect(owner()).toEqual({ userId: bob, registered: false });
  });

  it("decides by event time: a registration processed after a takeover claim still wins", () => {
    const { claim, register, owner } = start();
    claim(ann, T0);
    claim(bob, T0 + W + 1); // processed first, as after a restart with a backlog
    expect(owner()).toEqual({ userId: bob, registered: false });
    register(ann, T0 + 5_000); // …but ann registered 5 s after her claim
    expect(owner()).toEqual({ userId: ann, registered: true });
  });

  it("frees a key released by its holder (tombstone); a release by anyone else changes nothing", () => {
    const { claim, release, owner, out } = start();
    claim(ann, T0);
    release(bob, T0 + 1);
    expect(owner()).toEqual({ userId: ann, registered: false });
    release(ann, T0 + 2);
    expect(owner()).toBeNull();
    claim(cid, T0 + 3);
    claim(ann, T0 + 4, emailClaimKey("ann@example.com")); // another key, independent
    expect(owner()).toEqual({ userId: cid, registered: false });
    expect(owner(emailClaimKey("ann@example.com"))).toEqual({ userId: ann, registered: false });
    expect(out.readKeyValuesToList()).toEqual([]);
  });

  it("frees both keys of an erased account, and a later sign-up takes them", () => {
    const { claim, register, erase, owner, driver } = start();
    const email = emailClaimKey(`name-of-${ann.slice(0, 8)}@example.com`);
    claim(ann, T0);
    claim(ann, T0, email);
    register(ann, T0 + 1_000);
    expect(owner()).toEqual({ userId: ann, registered: true });
    expect(owner(email)).toEqual({ userId: ann, registered: true });
    erase(ann, T0 + 10_000);
    expect(owner()).toBeNull();
    expect(owner(email)).toBeNull();
    claim(bob, T0 + 11_000);
    expect(owner()).toEqual({ userId: bob, registered: false });
    const store = driver.getKeyValueStore<string, IdentityState>(identityOwnersStores.claims);
    expect(store.get(usernameClaimKey("ann"))?.accounts[ann]?.erasedAt).toBe(T0 + 10_000);
  });

  it("keys a sealed registration by its claimKeys: no plain e-mail or username needed", () => {
    const { claim, owner } = start();
    const users = (driver as TopologyTestDriver).createInputTopic(
      "auth.users",
      Serdes.string(),
      serdes.events(userTypes),
    );
    const email = emailClaimKey("sealed@example.com");
    claim(ann, T0);
    claim(ann, T0, email);
    users.pipeInput(
      ann,
      {
        type: UserRegistered.name,
        value: {
          ...envelope(ann, T0 + 1_000),
          userId: ann,
          // Opaque to the topology (docs/adr/019-erasure.md): only the claim keys count.
          username: "pii:v1:AAAA",
          email: "pii:v1:BBBB",
          displayName: "pii:v1:CCCC",
          role: "listener",
          claimKeys: [email, usernameClaimKey("ann")],
        },
      },
      T0 + 1_000,
    );
    expect(owner()).toEqual({ userId: ann, registered: true });
    expect(owner(email)).toEqual({ userId: ann, registered: true });
  });

  it("reads the first version's state (first unreleased claim) as that claim", () => {
    const { claim, driver, owner } = start();
    const key = usernameClaimKey("old");
    const store = driver.getKeyValueStore<string, unknown>(identityOwnersStores.claims);
    store.put(key, { owner: { userId: ann, claimedAt: T0 } });
    claim(bob, T0 + 1_000, key);
    expect(owner(key)).toEqual({ userId: ann, registered: false });
  });
});

describe("holderOf: a pure function of the facts", () => {
  it("gives the same holder whatever the order of account facts among the claims", () => {
    const facts: IdentityFact[] = [
      { kind: "claimed", userId: ann, at: T0 },
      { kind: "claimed", userId: bob, at: T0 + W + 1 },
      { kind: "claimed", userId: cid, at: T0 + 2 * W + 2 },
    ];
    const accounts: IdentityFact[] = [
      { kind: "account", userId: bob, registeredAt: T0 + W + 10, erasedAt: null },
      { kind: "account", userId: ann, registeredAt: T0 + 2 * W, erasedAt: null },
    ];
    // Claims keep their log order; the account facts go anywhere between them.
    const holders = new Set<string | undefined>();
    for (let i = 0; i <= facts.length; i++) {
      for (let j = 0; j <= facts.length; j++) {
        const order = [...facts];
        order.splice(j, 0, accounts[1] as IdentityFact);
        order.splice(i, 0, accounts[0] as IdentityFact);
        const state = order.reduce(applyFact, { claims: [], accounts: {} });
        holders.add(holderOf(state)?.userId);
      }
    }
    // ann registered too late; bob took over after a window and registered in time.
    expect([...holders]).toEqual([bob]);
  });
});
