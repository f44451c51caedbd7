/**
 * Who holds each unique identity (e-mail, username), as vobe-identity-owners decided it
 * (processors/topologies/identity-owners.ts, the only place with the rule): the API reads
 * auth.identity-owners and never judges a claim itself.
 */
import * as generated from "../../schemas/generated/index.ts";
import type { EventTypes } from "../events/event-types.ts";
import { applicationGroup, createDerivedView, derivedType } from "./derived-view.ts";
import type { TopicView, ViewSource } from "./topic-view.ts";

export interface IdentityHolder {
  userId: string;
  /** Registered within the claim window: the key is theirs until released or erased. */
  registered: boolean;
}

export type IdentityOwnersState = Map<string, IdentityHolder>;

export function createIdentityOwnersView(
  source: ViewSource,
  types: EventTypes,
): TopicView<IdentityOwnersState> {
  const derived = {
    IdentityOwner: derivedType(types, generated.IdentityOwner),
  };
  return createDerivedView<IdentityOwnersState>({
    name: "identity",
    topics: [derived.IdentityOwner.topic],
    // A registration or an erasure changes a holder as much as a claim does.
    inputs: [types.IdentityClaimed.topic, types.UserRegistered.topic],
    application: applicationGroup(types, "identity-owners"),
    source,
    initial: new Map(),
    onTombstone: (s, key) => s.delete(key),
  }).on(derived.IdentityOwner, (s, e) =>
    s.set(e.claimKey, { userId: e.userId, registered: e.registered }),
  );
}
