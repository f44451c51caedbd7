/**
 * How a windowed table's updates are held back. Only "until the window closes" (emit
 * each window's final result once) is supported.
 *
 *   counts.suppress(untilWindowCloses()).toStream().to("plays-per-hour-final")
 */
export interface Suppressed {
  readonly kind: "until-window-closes";
}

export function untilWindowCloses(): Suppressed {
  return { kind: "until-window-closes" };
}
