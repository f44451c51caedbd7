/**
 * English and Russian: chosen from the browser's languages on the first visit, then from the
 * person's choice (kept in localStorage). Dates, numbers and durations go through Intl in the
 * active locale (format.ts).
 *
 *   app.use(i18n);   setLocale("ru");   const { t, d, n } = useI18n();
 */
import { createI18n } from "vue-i18n";
import en, { type Messages } from "./en.ts";
import ru from "./ru.ts";

export const locales = ["en", "ru"] as const;
export type Locale = (typeof locales)[number];
export const localeNames: Record<Locale, string> = { en: "English", ru: "Русский" };

const storageKey = "vobe.locale";

/** The stored choice, else the first browser language we speak, else English. */
export function detectLocale(
  stored: string | null = readStored(),
  languages: readonly string[] = typeof navigator === "undefined" ? [] : navigator.languages,
): Locale {
  if (stored && (locales as readonly string[]).includes(stored)) return stored as Locale;
  for (const language of languages) {
    const base = language.toLowerCase().split("-")[0];
    if ((locales as readonly string[]).includes(base ?? "")) return base as Locale;
  }
  return "en";
}

function readStored(): string | null {
  try {
    return localStorage.getItem(storageKey);
  } catch {
    return null;
  }
}

/** Russian has one, few and many: messages list them in that order. */
const ruPlurals = new Intl.PluralRules("ru");
const ruChoice = (choice: number, length: number): number => {
  if (length < 3) return ruPlurals.select(choice) === "one" ? 0 : 1;
  const rule = ruPlurals.select(choice);
  return rule === "one" ? 0 : rule === "few" ? 1 : rule === "many" ? 2 : 1;
};

const datetimeFormats = {
  date: { year: "numeric", month: "long", day: "numeric" },
  short: { year: "numeric", month: "short", day: "numeric" },
  long: {
    year: "numeric",
    month: "short",
    day: "numeric",
    hour: "numeric",
    minute: "2-digit",
  },
} as const;

export const i18n = createI18n<[Messages], Locale, false>({
  legacy: false,
  locale: detectLocale(),
  fallbackLocale: "en",
  messages: { en, ru },
  pluralRules: { ru: ruChoice },
  datetimeFormats: { en: datetimeFormats, ru: datetimeFormats },
  numberFormats: {
    en: { integer: { maximumFractionDigits: 0 } },
    ru: { integer: { maximumFractionDigits: 0 } },
  },
  missingWarn: false,
  fallbackWarn: false,
});

export function setLocale(locale: Locale): void {
  i18n.global.locale.value = locale;
  try {
    localStorage.setItem(storageKey, locale);
  } catch {
    // Private mode: the choice lasts for this page only.
  }
  applyDocumentLocale(locale);
}

export function applyDocumentLocale(locale: Locale): void {
  if (typeof document !== "undefined") document.documentElement.lang = locale;
}
