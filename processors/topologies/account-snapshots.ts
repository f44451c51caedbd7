/**
 * Each account as it is now, for the auth service's login and profile checks:
 *
 *   auth.users ─▶ entity table ─▶ auth.account-snapshots   (erased: tombstone)
 *
 * An erasure deletes the account's row, so the compacted topic forgets its e-mail (the
 * system of record keeps the registration; this table does not).
 */
import {
  type AccountSnapshot,
  AccountSnapshot as AccountSnapshotType,
  ProfileUpdated,
  UserErased,
  UserRegistered,
} from "../../schemas/generated/index.ts";
import { StreamsBuilder, type Topology } from "../engine/index.ts";
import { type DecodedEvent, isEvent } from "../serdes/avro.ts";
import type { DerivedEnvelope, TopologyOptions } from "./common.ts";
import { snapshots } from "./snapshots.ts";

export type AccountRow = Omit<AccountSnapshot, keyof DerivedEnvelope>;

export function applyAccount(row: AccountRow | null, event: DecodedEvent): AccountRow | null {
  if (isEvent(event, UserRegistered)) {
    const { userId, username, email, role, displayName } = event.value;
    return { userId, username, email, role, displayName, bio: null, avatarUrl: null, locale: null };
  }
  if (isEvent(event, ProfileUpdated)) {
    if (!row) return null;
    const { displayName, bio, avatarUrl, locale } = event.value;
    return { ...row, displayName, bio, avatarUrl, locale };
  }
  return isEvent(event, UserErased) ? null : row;
}

export function accountSnapshotsTopology(options: TopologyOptions): Topology {
  const builder = new StreamsBuilder();
  snapshots(
    builder,
    options.serdes,
    "account-snapshots",
    [UserRegistered, ProfileUpdated, UserErased],
    applyAccount,
    AccountSnapshotType,
  );
  return builder.build();
}
