import { createHash } from "node:crypto";
import { join } from "node:path";
import { destroyKeys, ensureKeyTable, keysOf } from "../../../platform/pii/key-store.ts";
import { personalFields } from "../../../platform/pii/personal-fields.ts";
import { openFields } from "../../../platform/pii/seal.ts";
import type { PoolClient } from "../../../platform/postgres/pool.ts";
import { ProfileUpdated, UserErased, UserRegistered } from "../../../schemas/generated/auth.ts";
import { viewContracts } from "../../contract.ts";
import {
  type BatchScope,
  type BatchState,
  defineView,
  on,
  quote,
  RowWriter,
  written,
} from "../../engine/index.ts";

/** The same digest as the e-mail identity claim: sha256 hex of the lower-cased address. */
export const emailDigest = (email: string): string =>
  createHash("sha256").update(email.trim().toLowerCase()).digest("hex");

const key = ["user_id"];

/**
 * A batch of the auth view. The personal fields arrive sealed with each user's key
 * (docs/adr/019-erasure.md): the handlers queue their writes, and the flush looks the
 * batch's keys up once (in the sink's own transaction) and opens the fields. A record whose
 * key is gone belongs to an erased user and writes nothing, so a rebuild from the topics
 * never brings an erased user back. An erasure deletes the row and, should the API not have
 * managed to, the key.
 */
class AuthBatch implements BatchState {
  readonly rows: RowWriter;
  private readonly steps: Array<{ userId: string; apply(key: Buffer | undefined): void }> = [];
  private readonly erased = new Set<string>();

  constructor(private readonly scope: BatchScope) {
    this.rows = new RowWriter(scope.schema, scope.columns);
  }

  /** A write that needs the user's key: applied in log order at flush. */
  withKey(userId: string, apply: (key: Buffer | undefined) => void): void {
    this.steps.push({ userId, apply });
  }

  erase(userId: string): void {
    this.withKey(userId, () => this.erased.add(userId));
  }

  async flush(client: PoolClient): Promise<void> {
    if (this.steps.length > 0) {
      await ensureKeyTable(client);
      const keys = await keysOf(client, [...new Set(this.steps.map((s) => s.userId))]);
      for (const step of this.steps) step.apply(keys.get(step.userId));
    }
    await this.rows.flush(client);
    if (this.erased.size === 0) return;
    const ids = [...this.erased];
    await client.query(
      `delete from ${quote(this.scope.schema)}.users where user_id = any($1::uuid[])`,
      [ids],
    );
    await destroyKeys(client, ids);
  }
}

/**
 * Public profiles of live accounts (auth database); see migrations/001-users.sql for what
 * is not kept. An erased account has no row (rows erased before v2 of this rule keep a
 * row flagged erased, with every personal field already cleared).
 */
export const authView = defineView<AuthBatch>({
  name: "auth",
  ...viewContracts.auth,
  migrationsDir: join(import.meta.dirname, "migrations"),
  state: (scope) => new AuthBatch(scope),
  handlers: [
    on(UserRegistered, (e, batch, r) =>
      batch.withKey(e.userId, (userKey) => {
        const opened = openFields(userKey, e.userId, e, personalFields.UserRegistered);
        if (!opened) return;
        batch.rows.upsert("users", key, {
          user_id: e.userId,
          username: opened.username,
          email_sha256: emailDigest(opened.email),
          display_name: opened.displayName,
          role: e.role,
          bio: null,
          avatar_url: null,
          locale: null,
          erased: false,
          erased_reason: null,
          registered_at: e.occurredAt,
          updated_at: e.occurredAt,
          ...written(r),
        });
      }),
    ),
    on(ProfileUpdated, (e, batch, r) =>
      batch.withKey(e.userId, (userKey) => {
        const opened = openFields(userKey, e.userId, e, personalFields.ProfileUpdated);
        if (!opened) return;
        batch.rows.patch("users", key, {
          user_id: e.userId,
          display_name: opened.displayName,
          bio: opened.bio,
          avatar_url: opened.avatarUrl,
          locale: e.locale,
          updated_at: e.occurredAt,
          ...written(r),
        });
      }),
    ),
    on(UserErased, (e, batch) => batch.erase(e.userId)),
  ],
});
