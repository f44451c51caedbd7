/**
 * The Kafka clients of the operator console. The gateway runs as the API's principal, which
 * may read only its services' topics; what operators read and write (every topic, the
 * groups' offsets, dead letters, the audit trail) needs the operators' principal, the
 * super user that `vobe` itself runs as (docs/adr/020-access-control.md). Made on the first
 * console request, so a platform nobody operates opens no extra connections.
 */
import type { Endpoints } from "../../platform/config/endpoints.ts";
import {
  createAdmin,
  createFetcher,
  type Fetcher,
  type KafkaAdmin,
} from "../../platform/kafka/index.ts";
import { superUser } from "../../stack/kafka-acls.ts";

export interface OpsClients {
  admin: KafkaAdmin;
  fetcher: Fetcher;
  /** Who the console's own writers log in as (ops/dlq/resolve.ts makes its producer). */
  principal: string;
  close(): Promise<void>;
}

export function opsClients(endpoints: Endpoints): () => OpsClients {
  let made: OpsClients | undefined;
  return () => {
    if (made) return made;
    const principal = process.env.VOBE_OPS_KAFKA_PRINCIPAL || superUser;
    const admin = createAdmin({
      brokers: endpoints.kafkaBrokers,
      clientId: "vobe-ops-console",
      principal,
    });
    const fetcher = createFetcher({
      brokers: endpoints.kafkaBrokers,
      clientId: "vobe-ops-console",
      principal,
    });
    made = {
      admin,
      fetcher,
      principal,
      close: async () => {
        await Promise.all([admin.close(), fetcher.close()]);
      },
    };
    return made;
  };
}
