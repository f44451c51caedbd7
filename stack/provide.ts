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
 * if it is not running.
 */
export async function provideEndpoints(log: (line: string) => void): Promise<ProvidedEndpoints> {
  if (allEndpointsInEnv()) return { endpoints: endpointsFromEnv(), started: [] };
  const started = await stackUp(log);
  return { endpoints: endpointsFromEnv(), started };
}
