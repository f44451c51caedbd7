import type {} from "vitest";
import type { TestProject } from "vitest/node";
import {
  allEndpointsInEnv,
  type Endpoints,
  endpointsFromEnv,
} from "../../platform/config/endpoints.ts";
import { stackDown, stackUp } from "../../stack/stack.ts";
import { assertReachable } from "./reachability.ts";

declare module "vitest" {
  export interface ProvidedContext {
    endpoints: Endpoints;
  }
}

const log = (line: string) => console.log(`[stack] ${line}`);

/**
 * Where the integration tests get their services:
 *  - every endpoint variable set (KAFKA_BROKERS, SCHEMA_REGISTRY_URL, DATABASE_URL,
 *    SEARCH_URL): those, nothing is started;
 *  - VOBE_TEST_PROVIDER=testcontainers: containers (needs a Docker engine);
 *  - otherwise: the native stack, started if it is not running; unset variables fall
 *    back to its endpoints.
 * Whatever the source, every service must answer before a single test runs.
 */
export default async function setup(
  project: TestProject,
): Promise<(() => Promise<void>) | undefined> {
  let teardown: (() => Promise<void>) | undefined;
  let endpoints: Endpoints;
  if (process.env.VOBE_TEST_PROVIDER === "testcontainers") {
    const { startContainers } = await import("./containers.ts");
    const containers = await startContainers();
    endpoints = containers.endpoints;
    teardown = containers.stop;
  } else {
    if (!allEndpointsInEnv()) {
      const started = await stackUp(log);
      // CI leaves nothing running behind it; a developer keeps the stack for the next run.
      if (process.env.CI && started.length > 0) teardown = () => stackDown(log, started);
    }
    endpoints = endpointsFromEnv();
  }
  await assertReachable(endpoints);
  project.provide("endpoints", endpoints);
  return teardown;
}
