import { pbkdf2Sync, randomBytes } from "node:crypto";
import {
  AclOperations,
  AclPermissionTypes,
  Admin,
  alterUserScramCredentialsV0,
  Connection,
  ResourcePatternTypes,
  ResourceTypes,
  type SASLOptions,
} from "@platformatic/kafka";
import { type AclRule, aclKey, superUser } from "../kafka-acls.ts";

/**
 * The broker's side of access control (docs/adr/020-access-control.md): clients
 * authenticate with SASL/SCRAM-SHA-256 and KRaft's StandardAuthorizer allows only what an
 * ACL allows. The super user also has a PLAIN login defined in the broker's own config:
 * the broker's links to itself and to its controller use it, and it lets `vobe stack up`
 * create the SCRAM users of a stack whose metadata has none yet (one formatted before
 * access control) without re-formatting its storage.
 */
export function saslServerProperties(options: {
  port: number;
  controllerPort: number;
  adminPassword: string;
}): string {
  const { port, controllerPort, adminPassword } = options;
  const plain = `org.apache.kafka.common.security.plain.PlainLoginModule required username="${superUser}" password="${adminPassword}" user_${superUser}="${adminPassword}";`;
  return `listeners=SASL_PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}
advertised.listeners=SASL_PLAINTEXT://127.0.0.1:${port}
controller.listener.names=CONTROLLER
inter.broker.listener.name=SASL_PLAINTEXT
listener.security.protocol.map=SASL_PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:SASL_PLAINTEXT
sasl.enabled.mechanisms=SCRAM-SHA-256,SCRAM-SHA-512,PLAIN
sasl.mechanism.inter.broker.protocol=PLAIN
sasl.mechanism.controller.protocol=PLAIN
listener.name.controller.sasl.enabled.mechanisms=PLAIN
listener.name.controller.plain.sasl.jaas.config=${plain}
listener.name.sasl_plaintext.plain.sasl.jaas.config=${plain}
listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
super.users=User:${superUser}
allow.everyone.if.no.acl.found=false
`;
}

const SCRAM_SHA_256 = 1;
const ITERATIONS = 8192;

/**
 * Creates or replaces every principal's SCRAM-SHA-256 credential (idempotent: same
 * passwords), logged in as the super user (`sasl`).
 */
export async function upsertScramUsers(
  broker: string,
  sasl: SASLOptions,
  users: Record<string, string>,
): Promise<void> {
  const connection = new Connection("vobe-stack-scram", { sasl });
  const at = broker.lastIndexOf(":");
  try {
    await connection.connect(broker.slice(0, at), Number(broker.slice(at + 1)));
    await alterUserScramCredentialsV0.api.async(
      connection,
      [],
      Object.entries(users).map(([name, password]) => {
        const salt = randomBytes(32);
        return {
          name,
          mechanism: SCRAM_SHA_256,
          iterations: ITERATIONS,
          salt,
          // RFC 5802 SaltedPassword := Hi(password, salt, i), which is PBKDF2 with HMAC.
          saltedPassword: pbkdf2Sync(password, salt, ITERATIONS, 32, "sha256"),
        };
      }),
    );
  } finally {
    await connection.close().catch(() => {});
  }
}

const resourceTypes = {
  topic: ResourceTypes.TOPIC,
  group: ResourceTypes.GROUP,
  "transactional-id": ResourceTypes.TRANSACTIONAL_ID,
  cluster: ResourceTypes.CLUSTER,
} as const;
const resourceKinds = Object.fromEntries(
  Object.entries(resourceTypes).map(([k, v]) => [v, k]),
) as Record<number, AclRule["resource"]>;

/**
 * Makes the broker's ACLs of `principals` exactly `rules`: missing ones are created,
 * ones no rule names any more (a reader removed from the catalog) are deleted. ACLs of
 * other principals are left alone.
 */
export async function syncAcls(
  broker: string,
  sasl: SASLOptions,
  principals: readonly string[],
  rules: readonly AclRule[],
): Promise<{ created: number; deleted: number }> {
  const admin = new Admin({
    clientId: "vobe-stack-acls",
    bootstrapBrokers: [broker],
    sasl,
  });
  try {
    const described = await admin.describeAcls({
      filter: {
        resourceType: ResourceTypes.ANY,
        resourceName: null,
        resourcePatternType: ResourcePatternTypes.ANY,
        principal: null,
        host: null,
        operation: AclOperations.ANY,
        permissionType: AclPermissionTypes.ANY,
      },
    });
    const operationNames = Object.fromEntries(
      Object.entries(AclOperations).map(([k, v]) => [v, k]),
    ) as Record<number, AclRule["operation"]>;
    const managed = new Set(principals.map((p) => `User:${p}`));
    const existing = new Map<string, AclRule>();
    for (const resource of described) {
      for (const acl of resource.acls) {
        if (!managed.has(acl.principal) || acl.permissionType !== AclPermissionTypes.ALLOW)
          continue;
        const rule: AclRule = {
          principal: acl.principal.slice("User:".length),
          resource: resourceKinds[resource.resourceType] ?? "topic",
          name: resource.resourceName,
          pattern:
            resource.resourcePatternType === ResourcePatternTypes.PREFIXED ? "prefixed" : "literal",
          operation: operationNames[acl.operation] ?? "ALL",
        };
        existing.set(aclKey(rule), rule);
      }
    }
    const wanted = new Map(rules.map((r) => [aclKey(r), r]));
    const toWire = (r: AclRule) => ({
      resourceType: resourceTypes[r.resource],
      resourceName: r.name,
      resourcePatternType:
        r.pattern === "prefixed" ? ResourcePatternTypes.PREFIXED : ResourcePatternTypes.LITERAL,
      principal: `User:${r.principal}`,
      host: "*",
      operation: AclOperations[r.operation],
      permissionType: AclPermissionTypes.ALLOW,
    });
    const missing = [...wanted].filter(([k]) => !existing.has(k)).map(([, r]) => toWire(r));
    const stale = [...existing].filter(([k]) => !wanted.has(k)).map(([, r]) => toWire(r));
    if (missing.length > 0) await admin.createAcls({ creations: missing });
    if (stale.length > 0) await admin.deleteAcls({ filters: stale });
    return { created: missing.length, deleted: stale.length };
  } finally {
    await admin.close().catch(() => {});
  }
}
