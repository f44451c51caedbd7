/**
 * The processors' log: the platform's logger (platform/telemetry/log.ts) named
 * `processors`, level from VOBE_LOG_LEVEL. Lines about one application carry it as
 * `application`; the engine's own lines go through the same logger.
 */
import {
  createLogger,
  type Logger,
  silentLogger,
  useProcessLogger,
} from "../../platform/telemetry/log.ts";

export type { Logger };
export { silentLogger };

export function processorsLogger(): Logger {
  return useProcessLogger(createLogger("processors"));
}
