import type {} from "vitest";
import type { TestProject } from "vitest/node";
import type { Endpoints } from "../../platform/config/endpoints.ts";
import { findFfmpeg } from "../../stack/host.ts";
import { provideEndpoints } from "../../stack/provide.ts";
import { stackDown } from "../../stack/stack.ts";
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
  // The audio tests make and probe real audio; ./vobe start installs ffmpeg, but a fresh
  // machine that runs the tests first has none (a fresh-clone run failed on spawn ffmpeg
  // ENOENT). From Debian's packages when missing, like the stack's own services.
  await findFfmpeg();
  let teardown: (() => Promise<void>) | undefined;
  let endpoints: Endpoints;
  if (process.env.VOBE_TEST_PROVIDER === "testcontainers") {
    const { startContainers } = await import("./containers.ts");
    const containers = await startContainers();
    endpoints = containers.endpoints;
    teardown = containers.stop;
  } else {
    const provided = await provideEndpoints(log);
    endpoints = provided.endpoints;
    // CI leaves nothing running behind it; a developer keeps the stack for the next run.
    if (process.env.CI && provided.started.length > 0) {
      teardown = () => stackDown(log, provided.started);
    }
  }
  await assertReachable(endpoints);
  project.provide("endpoints", endpoints);
  return teardown;
}
