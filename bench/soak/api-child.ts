/**
 * The write and read API in a process of its own for the soak (so its memory is its own):
 * the app on the soak's prefixed topics and view schemas. Logs pino JSON at warn and above
 * on stdout, then prints "listening". Args: the config as JSON, the port.
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { buildApp } from "../../api/app.ts";
import type { Endpoints } from "../../platform/config/endpoints.ts";

interface Config {
  endpoints: Endpoints;
  topicPrefix: string;
  schemaPrefix: string;
  jwtSecret: string;
}

const [configJson, portArg] = process.argv.slice(2);
const config = JSON.parse(configJson as string) as Config;
const app = await buildApp({
  endpoints: config.endpoints,
  topicPrefix: config.topicPrefix,
  jwtSecret: config.jwtSecret,
  reads: { schemaPrefix: config.schemaPrefix, indexPrefix: `${config.topicPrefix}idx-` },
  logger: { level: "warn" },
});
process.once("SIGTERM", () => {
  app.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
});
await app.listen({ port: Number(portArg), host: "127.0.0.1" });
console.log("listening");

// The live heap every 10 s: after a full collection, so growth is what is kept, not garbage
// not collected yet (RSS alone cannot tell the two apart).
setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;
setInterval(() => {
  gc();
  const { rss, heapUsed, external } = process.memoryUsage();
  console.log(JSON.stringify({ level: 30, msg: "memory", rss, heapUsed, external }));
}, 10_000).unref();
