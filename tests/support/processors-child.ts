/**
 * A processors process for the isolation tests: `runProcessors` (what `vobe serve
 * processors` runs) with the options given as JSON, exiting with its code.
 *   node --import tsx tests/support/processors-child.ts '{"brokers":[…],…}'
 */
import { runProcessors, type ServeOptions } from "../../processors/apps/serve.ts";

const options = JSON.parse(process.argv[2] ?? "{}") as ServeOptions;
process.exit(await runProcessors(options));
