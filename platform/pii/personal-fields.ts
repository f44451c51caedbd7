/**
 * Which fields of which events are personal, and so sealed with their user's key
 * (seal.ts). One list for the writers (the auth API, the demo loader) and the readers (the
 * API's account checks, the auth view's sink), keyed by the event's short name.
 * `AccountSnapshot` holds what vobe-account-snapshots copies from the first two, still
 * sealed: the topology never sees plain text. The user id is the record key and stays clear.
 */
export const personalFields = {
  UserRegistered: ["username", "email", "displayName"],
  ProfileUpdated: ["displayName", "bio", "avatarUrl"],
  CredentialSet: ["passwordHash"],
  AccountSnapshot: ["username", "email", "displayName", "bio", "avatarUrl"],
} as const satisfies Record<string, readonly string[]>;
