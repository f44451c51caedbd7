/**
 * Accounts for tokens the tests mint: the API refuses a token whose account does not exist
 * (api/auth/liveness.ts), so a test user is registered in the prefixed auth.users first.
 * Only the UserRegistered is written (no claims, no credentials): the user cannot log in,
 * and its made-up e-mail and username are unique to it.
 *
 *   const accounts = testAccounts(brokers, registryUrl, prefix);
 *   await accounts.register({ userId, role: "listener" });
 *   await accounts.close();
 */
import { eventTypes } from "../../api/events/event-types.ts";
import { createAuth, type Role } from "../../api/http/auth.ts";
import { databaseUrlFor, type Endpoints } from "../../platform/config/endpoints.ts";
import { createProducer } from "../../platform/kafka/index.ts";
import { ensureKeyTable, keysOf } from "../../platform/pii/key-store.ts";
import { personalFields } from "../../platform/pii/personal-fields.ts";
import { openFields } from "../../platform/pii/seal.ts";
import { createPool } from "../../platform/postgres/pool.ts";
import { registryApi } from "../../platform/registry/confluent-api.ts";
import { createEventProducer } from "../../producers/index.ts";

export function testAccounts(brokers: string[], registryUrl: string, prefix: string) {
  const types = eventTypes(prefix);
  let producer: ReturnType<typeof createProducer> | undefined;
  const registered = new Set<string>();
  return {
    /** Where the registration landed; nothing is written for an id registered before. */
    async register(user: { userId: string; role: Role; username?: string }) {
      if (registered.has(user.userId)) return undefined;
      producer ??= createProducer({ brokers, clientId: "vobe-tests-accounts" });
      const events = createEventProducer({ producer, registry: registryApi(registryUrl) });
      const handle = `t-${user.userId.slice(0, 8)}`;
      const at = await events.publish(
        types.UserRegistered,
        user.userId,
        {
          userId: user.userId,
          username: user.username && user.username !== "tester" ? user.username : handle,
          email: `${user.userId}@tests.invalid`,
          displayName: handle,
          role: user.role,
          claimKeys: [],
        },
        { actor: { userId: user.userId, role: user.role } },
      );
      registered.add(user.userId);
      return at;
    },
    async close() {
      await producer?.close();
    },
  };
}

/**
 * A token for a new test account: the account is registered first (a token of an account
 * that does not exist is refused), then the token is signed with the API's `secret`.
 *
 *   const token = await registeredToken({ brokers, registryUrl, prefix, secret }, user);
 */
export async function registeredToken(
  stack: { brokers: string[]; registryUrl: string; prefix: string; secret: string },
  user: { userId: string; role: Role; username: string },
): Promise<string> {
  const accounts = testAccounts(stack.brokers, stack.registryUrl, stack.prefix);
  try {
    await accounts.register(user);
  } finally {
    await accounts.close();
  }
  return (await createAuth({ secret: stack.secret }).issue(user)).token;
}

/**
 * Opens the sealed personal fields of decoded records in place, as the auth sink does
 * (docs/adr/019-erasure.md): a model of the views reads the plain text. Records of users
 * whose key is gone (erased) stay sealed.
 */
export async function openSealedRecords(
  endpoints: Pick<Endpoints, "databaseUrl">,
  records: Array<{ type: string; event: unknown }>,
): Promise<void> {
  const fieldsOf = (type: string) =>
    (personalFields as Record<string, readonly string[]>)[type.split(".").pop() ?? ""];
  const sealed = records.filter((r) => fieldsOf(r.type));
  if (sealed.length === 0) return;
  const pool = createPool(databaseUrlFor(endpoints, "auth"), 1);
  try {
    await ensureKeyTable(pool);
    const ids = [...new Set(sealed.map((r) => (r.event as { userId: string }).userId))];
    const keys = await keysOf(pool, ids);
    for (const r of sealed) {
      const { userId } = r.event as { userId: string };
      const fields = fieldsOf(r.type) as readonly string[];
      r.event = openFields(keys.get(userId), userId, r.event as object, fields) ?? r.event;
    }
  } finally {
    await pool.end();
  }
}
