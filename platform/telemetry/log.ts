/**
 * The platform's one logger (issue 15, docs/adr/031-traces-and-logs.md): pino, one JSON
 * object a line on stdout (what `vobe start` writes to the process's log file and the
 * shipper sends to the search engine), pretty on a terminal. Every line names its
 * `process`; lines about a request carry `requestId`, lines about a traced record or
 * request `traceId`.
 *
 * Levels (pino's numbers on the line: 50 error, 40 warn, 30 info, 20 debug): `error` something failed and a person should look (a process stops, a commit is
 * lost); `warn` the platform coped on its own but it is not normal (a retry, a dead
 * letter, a skipped record); `info` the life of a process (started, stopped, a view
 * swapped) and one line per HTTP request; `debug` detail for a developer.
 *
 * No secrets or personal data: known fields are censored by path (passwords, tokens,
 * e-mails, authorization headers, cookies) and every string that goes out is scrubbed of
 * e-mail addresses, bearer tokens and JWTs, wherever it sits in the line.
 */
import { type DestinationStream, type Logger, type LoggerOptions, pino } from "pino";
import { PinoPretty } from "pino-pretty";

export type { Logger };

/** Field paths whose values never reach a log line. */
export const redactedPaths = [
  "password",
  "newPassword",
  "currentPassword",
  "token",
  "accessToken",
  "refreshToken",
  "secret",
  "apiKey",
  "email",
  "authorization",
  "cookie",
  "*.password",
  "*.newPassword",
  "*.token",
  "*.accessToken",
  "*.secret",
  "*.apiKey",
  "*.email",
  "*.authorization",
  "*.cookie",
  "req.headers.authorization",
  "req.headers.cookie",
  'res.headers["set-cookie"]',
  "body.password",
  "body.email",
];

const email = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;
const bearer = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi;
const jwt = /\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g;
const secretAssignment = /\b(password|passwd|pwd|secret|api[_-]?key|token)=([^\s&"']+)/gi;

/** A text with e-mail addresses, credentials and tokens replaced. */
export function scrub(text: string): string {
  if (!text.includes("@") && !/bearer|basic|eyj|password|passwd|pwd|secret|key|token/i.test(text)) {
    return text;
  }
  return text
    .replace(email, "[email]")
    .replace(bearer, "$1 [redacted]")
    .replace(jwt, "[jwt]")
    .replace(secretAssignment, "$1=[redacted]");
}

function scrubDeep(value: unknown, depth = 0): unknown {
  if (typeof value === "string") return scrub(value);
  if (depth > 6 || value === null || typeof value !== "object") return value;
  if (value instanceof Error) {
    const copy: Record<string, unknown> = { type: value.name, message: scrub(value.message) };
    if (value.stack) copy.stack = scrub(value.stack);
    return copy;
  }
  if (Array.isArray(value)) return value.map((v) => scrubDeep(v, depth + 1));
  // Dates, Buffers, class instances: left to their serializers.
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = scrubDeep(v, depth + 1);
  return out;
}

export interface LoggerSettings {
  /** Default VOBE_LOG_LEVEL, else info. */
  level?: string;
  /** Where lines go; default stdout (pretty when it is a terminal). */
  destination?: DestinationStream;
  /** Fields on every line besides `process`. */
  base?: Record<string, unknown>;
}

/** The pino options every process shares; Fastify takes them as they are. */
export function loggerOptions(processName: string, settings: LoggerSettings = {}): LoggerOptions {
  return {
    level: settings.level ?? process.env.VOBE_LOG_LEVEL ?? "info",
    base: { process: processName, pid: process.pid, ...settings.base },
    messageKey: "msg",
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: redactedPaths, censor: "[redacted]" },
    formatters: {
      // After redaction by path: whatever string is left is scrubbed.
      log: (object) => scrubDeep(object) as Record<string, unknown>,
    },
    hooks: {
      logMethod(args, method) {
        method.apply(
          this,
          args.map((a) => (typeof a === "string" ? scrub(a) : a)) as Parameters<typeof method>,
        );
      },
    },
  };
}

/** The logger of one of the platform's processes (`api`, `processors`, `sinks`, `guide`). */
export function createLogger(processName: string, settings: LoggerSettings = {}): Logger {
  const options = loggerOptions(processName, settings);
  if (settings.destination) return pino(options, settings.destination);
  // Synchronous: the last lines before an exit are not lost.
  return process.stdout.isTTY && !process.env.VOBE_LOG_JSON
    ? pino(options, PinoPretty({ sync: true, ignore: "pid,hostname" }))
    : pino(options, pino.destination({ sync: true }));
}

/** For tests and embedders that want no output. */
export const silentLogger: Logger = pino({ level: "silent" });

let shared: Logger | undefined;

/**
 * The process's own logger, for code that runs in several processes and has no logger
 * handed to it (the Postgres pool, the streams engine): named by the process's entry
 * with useProcessLogger, `vobe` until then.
 */
export function processLog(): Logger {
  shared ??= createLogger("vobe");
  return shared;
}

/** Makes `logger` the one processLog() returns. */
export function useProcessLogger(logger: Logger): Logger {
  shared = logger;
  return logger;
}
