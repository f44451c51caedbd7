import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { stackConfig } from "./config.ts";

/**
 * A stack's own secrets, made at random on its first start and kept with its data
 * (`<home>/data/secrets/secrets.json`, mode 0600): the JWT signing secret of the platform
 * it runs, the Kafka principals' passwords and the Postgres roles' passwords. Nothing
 * secret is in the source any more; a stack made from scratch gets new ones.
 */
export interface StackSecrets {
  jwtSecret: string;
  /** Kafka principal → password (SCRAM, and PLAIN for the super user's own broker links). */
  kafka: Record<string, string>;
  /** Postgres role → password. */
  postgres: Record<string, string>;
  /**
   * The client listener (`127.0.0.1:<port>`) of this stack's broker once it runs with
   * SASL; absent while a broker started before access control still runs PLAINTEXT.
   */
  kafkaSaslListener?: string;
}

export function secretsFile(home: string = stackConfig.home): string {
  return resolve(home, "data", "secrets", "secrets.json");
}

/** Hex, so a password never needs quoting in a JAAS line, a URL or SQL. */
export const newSecret = (): string => randomBytes(24).toString("hex");

export function readStackSecrets(home: string = stackConfig.home): StackSecrets | undefined {
  const file = secretsFile(home);
  if (!existsSync(file)) return undefined;
  return JSON.parse(readFileSync(file, "utf8")) as StackSecrets;
}

function write(home: string, secrets: StackSecrets): void {
  const file = secretsFile(home);
  mkdirSync(join(file, ".."), { recursive: true, mode: 0o700 });
  // Renamed into place: a reader in another process never sees half a file.
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, file);
}

/**
 * The stack's secrets, made on first use; a principal or role named here that the file
 * lacks (one added since the stack was made) gets a password, the others keep theirs.
 */
export function ensureStackSecrets(
  names: { kafka?: readonly string[]; postgres?: readonly string[] } = {},
  home: string = stackConfig.home,
): StackSecrets {
  const secrets = readStackSecrets(home) ?? { jwtSecret: newSecret(), kafka: {}, postgres: {} };
  let changed = !existsSync(secretsFile(home));
  for (const name of names.kafka ?? []) {
    if (!secrets.kafka[name]) {
      secrets.kafka[name] = newSecret();
      changed = true;
    }
  }
  for (const name of names.postgres ?? []) {
    if (!secrets.postgres[name]) {
      secrets.postgres[name] = newSecret();
      changed = true;
    }
  }
  if (changed) write(home, secrets);
  return secrets;
}

/** Records (or clears) that this stack's broker now serves SASL on `listener`. */
export function markKafkaSasl(listener: string | undefined, home: string = stackConfig.home): void {
  const secrets = ensureStackSecrets({}, home);
  if (secrets.kafkaSaslListener === listener) return;
  if (listener === undefined) delete secrets.kafkaSaslListener;
  else secrets.kafkaSaslListener = listener;
  write(home, secrets);
}
