import {
  allEndpointsInEnv,
  type Endpoints,
  endpointsFromEnv,
} from "../platform/config/endpoints.ts";
import { stackUp } from "./stack.ts";

export interface ProvidedEndpoints {
  endpoints: Endpoints;
  /** Native services this call started (empty when they ran already or env variables point elsewhere). */
  started: string[];
}

/**
 * The endpoints the platform and its tests use: the environment's when every variable
 * is set (docker-compose, an existing cluster), otherwise the native stack's, started
 * if it is not running. With VOBE_APPLY_ACCESS=1, endpoints from the environment get the
 * access rules of docs/adr/020 (Postgres roles; Kafka users and ACLs when logged in as the
 * super user).
 */
export async function provideEndpoints(log: (line: string) => void): Promise<ProvidedEndpoints> {
  if (allEndpointsInEnv()) {
    const endpoints = endpointsFromEnv();
    if (process.env.VOBE_APPLY_ACCESS === "1") {
      // Imported here: only docker-compose's platform (or a person asking) applies access rules.
      const { applyAccess } = await import("./access.ts");
      await applyAccess(endpoints, log);
    }
    return { endpoints, started: [] };
  }
  const started = await stackUp(log);
  return { endpoints: endpointsFromEnv(), started };
}
