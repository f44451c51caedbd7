/**
 * Who holds each unique identity: the first claim of a claim key that its holder has
 * not released. auth.identity-claims is keyed by claim key, so every claim of one key
 * is in one partition, in order, and the fold below decides in that order.
 *
 *   auth.identity-claims ─▶ fold per claim key ─▶ auth.identity-owners (a release: tombstone)
 *
 * - IdentityClaimed of a free key: the claimant holds it. Of a held key: the claim
 *   lost (its sign-up was refused) and nothing changes.
 * - IdentityReleased by the holder: the key is free (tombstone). By anyone else: ignored.
 */
import {
  IdentityClaimed,
  type IdentityOwner,
  IdentityOwner as IdentityOwnerType,
  IdentityReleased,
} from "../../schemas/generated/index.ts";
import { Serdes, StreamsBuilder, type Topology } from "../engine/index.ts";
import { type DecodedEvent, isEvent } from "../serdes/avro.ts";
import { occurredAtOf, type TopologyOptions, toDerived } from "./common.ts";

export const identityOwnersStores = {
  /** Key-value: claim key → { owner } (owner null when free). */
  claims: "identity-claims-state",
} as const;

export interface ClaimState {
  owner: { userId: string; claimedAt: number } | null;
}

/** One step of the rule above. */
export function applyClaim(state: ClaimState, event: DecodedEvent, at: number): ClaimState {
  if (isEvent(event, IdentityClaimed)) {
    return state.owner ? state : { owner: { userId: event.value.userId, claimedAt: at } };
  }
  if (isEvent(event, IdentityReleased)) {
    return state.owner?.userId === event.value.userId ? { owner: null } : state;
  }
  return state;
}

export function identityOwnersTopology(options: TopologyOptions): Topology {
  const { serdes } = options;
  const builder = new StreamsBuilder();
  const owners = builder
    .stream<string, DecodedEvent>(serdes.topic(IdentityClaimed), {
      keySerde: Serdes.string(),
      valueSerde: serdes.events([IdentityClaimed, IdentityReleased]),
      name: "identity-claims-source",
    })
    .groupByKey({ name: "claims-by-key" })
    .aggregate<ClaimState>(
      () => ({ owner: null }),
      (_key, event, state) => applyClaim(state, event, occurredAtOf(event) ?? 0),
      { name: identityOwnersStores.claims, valueSerde: Serdes.json<ClaimState>() },
    )
    .filter((_key, state) => state.owner !== null, { name: "held-identities" });
  toDerived<string, ClaimState, IdentityOwner>(
    owners.toStream({ name: "identity-owners-changes" }),
    IdentityOwnerType,
    (claimKey, { owner }) => ({
      claimKey,
      userId: owner?.userId as string,
      claimedAt: new Date(owner?.claimedAt ?? 0),
    }),
    "identity-owners-records",
  ).to(serdes.topic(IdentityOwnerType), {
    keySerde: Serdes.string(),
    valueSerde: serdes.derived(IdentityOwnerType),
    name: "identity-owners-sink",
  });
  return builder.build();
}
