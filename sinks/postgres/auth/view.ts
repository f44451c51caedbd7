import { createHash } from "node:crypto";
import { join } from "node:path";
import { ProfileUpdated, UserErased, UserRegistered } from "../../../schemas/generated/auth.ts";
import { viewContracts } from "../../contract.ts";
import { defineView, on, type RowWriter, written } from "../../engine/index.ts";

/** The same digest as the e-mail identity claim: sha256 hex of the lower-cased address. */
export const emailDigest = (email: string): string =>
  createHash("sha256").update(email.trim().toLowerCase()).digest("hex");

const key = ["user_id"];

/** Public profiles of accounts (auth database); see migrations/001-users.sql for what is not kept. */
export const authView = defineView<RowWriter>({
  name: "auth",
  ...viewContracts.auth,
  migrationsDir: join(import.meta.dirname, "migrations"),
  handlers: [
    on(UserRegistered, (e, rows, r) =>
      rows.upsert("users", key, {
        user_id: e.userId,
        username: e.username,
        email_sha256: emailDigest(e.email),
        display_name: e.displayName,
        role: e.role,
        bio: null,
        avatar_url: null,
        locale: null,
        erased: false,
        erased_reason: null,
        registered_at: e.occurredAt,
        updated_at: e.occurredAt,
        ...written(r),
      }),
    ),
    on(ProfileUpdated, (e, rows, r) =>
      rows.patch("users", key, {
        user_id: e.userId,
        display_name: e.displayName,
        bio: e.bio,
        avatar_url: e.avatarUrl,
        locale: e.locale,
        updated_at: e.occurredAt,
        ...written(r),
      }),
    ),
    on(UserErased, (e, rows, r) =>
      rows.patch("users", key, {
        user_id: e.userId,
        username: null,
        email_sha256: null,
        display_name: null,
        bio: null,
        avatar_url: null,
        locale: null,
        erased: true,
        erased_reason: e.reason,
        updated_at: e.occurredAt,
        ...written(r),
      }),
    ),
  ],
});
