/**
 * Locale-aware formats the message catalog cannot express: track lengths, total running
 * times and "3 days ago".
 *
 *   trackLength(215000)                → "3:35"
 *   totalLength(3_600_000, "ru")       → "60 мин"
 *   relativeTime("2026-12-01T…", "en") → "yesterday"
 *
 * An Intl formatter costs far more to make than to use (the home page spent a tenth of its
 * blocking time making them, bench/web), so each locale's formatters are made once.
 */
export function trackLength(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = String(total % 60).padStart(2, "0");
  return hours > 0
    ? `${hours}:${String(minutes).padStart(2, "0")}:${seconds}`
    : `${minutes}:${seconds}`;
}

const numberFormats = new Map<string, Intl.NumberFormat>();
const relativeFormats = new Map<string, Intl.RelativeTimeFormat>();

/** `new Intl.NumberFormat(locale, options)`, made once per locale and options. */
export function numberFormat(locale: string, options: Intl.NumberFormatOptions = {}) {
  const key = `${locale} ${JSON.stringify(options)}`;
  let format = numberFormats.get(key);
  if (!format) {
    format = new Intl.NumberFormat(locale, options);
    numberFormats.set(key, format);
  }
  return format;
}

function relativeFormat(locale: string): Intl.RelativeTimeFormat {
  let format = relativeFormats.get(locale);
  if (!format) {
    format = new Intl.RelativeTimeFormat(locale, { numeric: "auto" });
    relativeFormats.set(locale, format);
  }
  return format;
}

/** A running time in whole minutes (hours and minutes past an hour), in the locale's words. */
export function totalLength(ms: number, locale: string): string {
  const minutes = Math.max(1, Math.round(ms / 60_000));
  const unit = (value: number, u: "hour" | "minute") =>
    numberFormat(locale, { style: "unit", unit: u, unitDisplay: "short" }).format(value);
  if (minutes < 60) return unit(minutes, "minute");
  const rest = minutes % 60;
  return rest === 0
    ? unit(Math.floor(minutes / 60), "hour")
    : `${unit(Math.floor(minutes / 60), "hour")} ${unit(rest, "minute")}`;
}

const steps: Array<[Intl.RelativeTimeFormatUnit, number]> = [
  ["second", 60],
  ["minute", 60],
  ["hour", 24],
  ["day", 30],
  ["month", 12],
  ["year", Number.POSITIVE_INFINITY],
];

/** "5 minutes ago", "вчера": the largest unit that fits. */
export function relativeTime(iso: string, locale: string, now = Date.now()): string {
  let value = (new Date(iso).getTime() - now) / 1000;
  const format = relativeFormat(locale);
  for (const [unit, size] of steps) {
    if (Math.abs(value) < size) return format.format(Math.round(value), unit);
    value /= size;
  }
  return format.format(Math.round(value), "year");
}
