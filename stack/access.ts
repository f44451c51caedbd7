/**
 * Applies the access rules of docs/adr/020-access-control.md to a broker and a Postgres
 * server: the native stack's provisioning calls the Kafka half on every `vobe stack up`,
 * and `VOBE_APPLY_ACCESS=1` with endpoints from the environment (docker-compose) applies
 * both to those (stack/provide.ts). Passwords are the stack's own (stack/secrets.ts).
 */
import type { SASLOptions } from "@platformatic/kafka";
import type { Endpoints } from "../platform/config/endpoints.ts";
import { kafkaSaslFor } from "../platform/config/kafka-credentials.ts";
import { stackConfig } from "./config.ts";
import { kafkaAcls, kafkaPrincipals, superUser } from "./kafka-acls.ts";
import { postgresRoles, provisionPostgresRoles } from "./postgres-roles.ts";
import { ensureStackSecrets } from "./secrets.ts";
import { syncAcls, upsertScramUsers } from "./services/kafka-security.ts";

/** Every principal's SCRAM credential and the catalog's ACLs, through the super user's login `sasl`. */
export async function applyKafkaAccess(broker: string, sasl: SASLOptions): Promise<void> {
  const secrets = ensureStackSecrets({ kafka: kafkaPrincipals });
  // The super user's own SCRAM credential is left alone where it logs in otherwise.
  const users = Object.fromEntries(
    kafkaPrincipals
      .filter((p) => p !== superUser || sasl.mechanism === "PLAIN")
      .map((p) => [p, secrets.kafka[p] as string]),
  );
  await upsertScramUsers(broker, sasl, users);
  await syncAcls(broker, sasl, kafkaPrincipals, await platformKafkaAcls());
}

/** The ACLs of the platform as it is: its topic catalog and the views its sinks run. */
export async function platformKafkaAcls() {
  // Imported here: only a provisioning run needs the catalog (and its generated schemas).
  const { catalog } = await import("../schemas/catalog.ts");
  // Every view the sinks run writes its own dead letters: the views' own names, not the
  // databases' (several views share a database).
  const { viewNames } = await import("../sinks/views.ts");
  return kafkaAcls(catalog, viewNames);
}

/** Both halves against endpoints given by the environment; Kafka only when logged in as the super user. */
export async function applyAccess(
  endpoints: Endpoints,
  log: (line: string) => void,
): Promise<void> {
  const url = new URL(endpoints.databaseUrl);
  await provisionPostgresRoles({
    adminUrl: endpoints.databaseUrl,
    owner: decodeURIComponent(url.username),
    databases: stackConfig.serviceDatabases,
    passwords: ensureStackSecrets({ postgres: postgresRoles(stackConfig.serviceDatabases) })
      .postgres,
  });
  log("access: Postgres roles applied");
  const sasl = kafkaSaslFor(endpoints.kafkaBrokers);
  if (sasl?.username !== superUser) {
    log(`access: Kafka left alone (log in as ${superUser} with KAFKA_SASL_USERNAME to apply it)`);
    return;
  }
  await applyKafkaAccess(endpoints.kafkaBrokers[0] as string, sasl);
  log("access: Kafka SCRAM users and ACLs applied");
}
