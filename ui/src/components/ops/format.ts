/** Numbers of the console in the active locale: records, rates, ages and waits. */
import { numberFormat } from "../../i18n/format.ts";

export const count = (n: number, locale: string) => numberFormat(locale).format(n);

/** "4 s", "3 min", "2 h" in the locale's short unit words. */
export function duration(seconds: number, locale: string): string {
  const unit = (value: number, u: "second" | "minute" | "hour" | "day") =>
    numberFormat(locale, {
      style: "unit",
      unit: u,
      unitDisplay: "short",
      maximumFractionDigits: 0,
    }).format(value);
  if (seconds < 60) return unit(Math.max(0, Math.round(seconds)), "second");
  if (seconds < 3600) return unit(seconds / 60, "minute");
  if (seconds < 86_400) return unit(seconds / 3600, "hour");
  return unit(seconds / 86_400, "day");
}

export const rate = (perSecond: number, locale: string) =>
  numberFormat(locale, { maximumFractionDigits: perSecond < 10 ? 1 : 0 }).format(perSecond);

/** Decoded values and keys as people read them: indented JSON. */
export const pretty = (value: unknown) => JSON.stringify(value, null, 2);
