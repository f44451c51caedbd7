/**
 * The API's error codes as words a person understands, in the active locale.
 *
 *   errorMessages(error, t)  → ["This username is taken."]
 */
import { ApiError } from "../api/client.ts";
import type { Messages } from "./en.ts";

type Translate = (key: string, named?: Record<string, unknown>) => string;
type Code = keyof Messages["errors"];

const known = (code: string, catalog: Messages["errors"]): code is Code => code in catalog;

/** One sentence per problem (a sign-up may have both the name and the e-mail taken). */
export function errorMessages(error: unknown, t: Translate, catalog: Messages["errors"]): string[] {
  if (!(error instanceof ApiError)) {
    return [t("errors.unknown", { code: error instanceof Error ? error.name : "?" })];
  }
  if (error.code === "identity_taken" && error.fields.length > 0) {
    return error.fields.map((f) =>
      f.path.endsWith("email") ? t("errors.email_taken") : t("errors.username_taken"),
    );
  }
  if (error.code === "rate_limited" && error.retryAfterSeconds) {
    return [t("errors.rate_limited_in", { seconds: error.retryAfterSeconds })];
  }
  if (known(error.code, catalog) && error.code !== "unknown" && error.code !== "title") {
    return [t(`errors.${error.code}`)];
  }
  return [t("errors.unknown", { code: error.code })];
}
