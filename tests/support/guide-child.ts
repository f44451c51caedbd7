/**
 * The guide worker as a child process for the crash tests: `vobe serve guide` without the
 * CLI's stack provisioning. Endpoints come from the usual variables (KAFKA_BROKERS,
 * SCHEMA_REGISTRY_URL, …), the prefix from VOBE_TOPIC_PREFIX; prints "guide: ready".
 */

import { runGuide } from "../../guide/serve.ts";
import { endpointsFromEnv } from "../../platform/config/endpoints.ts";

await runGuide(endpointsFromEnv());
