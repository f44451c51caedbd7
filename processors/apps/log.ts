/**
 * The processors' log: pino, like the API's (Fastify's logger), one JSON object a line
 * (readable on a terminal through pino-pretty), level from VOBE_LOG_LEVEL. Lines about
 * one application carry it as `application`.
 */
import { type Logger, pino } from "pino";
import { PinoPretty } from "pino-pretty";

export type { Logger };

export function processorsLogger(): Logger {
  const options = { name: "processors", level: process.env.VOBE_LOG_LEVEL ?? "info" };
  // Synchronous on a terminal, so the last lines before an exit are not lost.
  return process.stdout.isTTY
    ? pino(options, PinoPretty({ sync: true, ignore: "pid,hostname" }))
    : pino(options, pino.destination({ sync: true }));
}

/** For tests and embedders that want no output. */
export const silentLogger: Logger = pino({ level: "silent" });
