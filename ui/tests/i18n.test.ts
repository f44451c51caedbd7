import { describe, expect, it } from "vitest";
import { ApiError } from "../src/api/client.ts";
import en from "../src/i18n/en.ts";
import { errorMessages } from "../src/i18n/errors.ts";
import { totalLength, trackLength } from "../src/i18n/format.ts";
import { detectLocale, i18n } from "../src/i18n/index.ts";
import ru from "../src/i18n/ru.ts";

const keys = (o: object, prefix = ""): string[] =>
  Object.entries(o).flatMap(([k, v]) =>
    typeof v === "object" ? keys(v, `${prefix}${k}.`) : [`${prefix}${k}`],
  );

describe("i18n", () => {
  it("Russian has every English message and no other", () => {
    expect(keys(ru).sort()).toEqual(keys(en).sort());
  });

  it("takes the stored choice, else the first browser language it speaks, else English", () => {
    expect(detectLocale("ru", ["en-US"])).toBe("ru");
    expect(detectLocale(null, ["de-DE", "ru-RU", "en"])).toBe("ru");
    expect(detectLocale(null, ["de-DE"])).toBe("en");
    expect(detectLocale("xx", ["en-GB"])).toBe("en");
  });

  it("uses Russian plural forms (one, few, many)", () => {
    const { t } = i18n.global;
    i18n.global.locale.value = "ru";
    expect(t("feed.comments", 1)).toBe("1 комментарий");
    expect(t("feed.comments", 3)).toBe("3 комментария");
    expect(t("feed.comments", 5)).toBe("5 комментариев");
    expect(t("feed.comments", 21)).toBe("21 комментарий");
    expect(t("feed.comments", 12)).toBe("12 комментариев");
    i18n.global.locale.value = "en";
    expect(t("feed.comments", 0)).toBe("no comments");
    expect(t("feed.comments", 1)).toBe("1 comment");
    expect(t("feed.comments", 7)).toBe("7 comments");
  });

  it("formats lengths for the locale", () => {
    expect(trackLength(215_000)).toBe("3:35");
    expect(trackLength(3_725_000)).toBe("1:02:05");
    expect(totalLength(26 * 60_000, "en")).toBe("26 min");
    expect(totalLength(26 * 60_000, "ru")).toMatch(/^26 мин/);
    expect(totalLength(90 * 60_000, "en")).toBe("1 hr 30 min");
  });
});

describe("error codes in words", () => {
  const t = (key: string, named?: Record<string, unknown>) => i18n.global.t(key, named ?? {});

  it("names the taken field of a sign-up", () => {
    const taken = new ApiError(409, "identity_taken", "email and username already in use", [
      { path: "body.username", message: "" },
      { path: "body.email", message: "" },
    ]);
    expect(errorMessages(taken, t, en.errors)).toEqual([
      "This username is taken.",
      "This e-mail address is already registered.",
    ]);
  });

  it("says how long to wait after a rate limit", () => {
    const limited = new ApiError(429, "rate_limited", "slow down", [], 42);
    expect(errorMessages(limited, t, en.errors)).toEqual(["Too many attempts. Try again in 42 s."]);
  });

  it("shows an unknown code as it is, never a blank", () => {
    expect(errorMessages(new ApiError(500, "brand_new", "x"), t, en.errors)).toEqual([
      "Unexpected error (brand_new).",
    ]);
    expect(errorMessages(new ApiError(401, "invalid_credentials", "x"), t, en.errors)).toEqual([
      "Wrong name or password.",
    ]);
  });
});
