import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { mavenClasspath } from "../artifacts.ts";
import { stackConfig, stackPaths } from "../config.ts";
import { findJava } from "../host.ts";
import { spawnDetached } from "../process.ts";
import type { NativeService } from "../service.ts";
import { versions } from "../versions.ts";

const NAME = "search";
const { search: port } = stackConfig.ports;
const maxRunnerHttpPort = 9299;

let java = "";
let classpath = "";

/**
 * OpenSearch 2.19 (see docs/adr/006-search-engine.md for why not Elasticsearch here),
 * one node, started by the codelibs runner with the OpenSearch modules from Maven Central.
 */
export const searchService: NativeService = {
  name: NAME,
  ports: [port],
  dependsOn: [],
  startupTimeoutMs: 120_000,
  stopSignal: "SIGTERM",
  endpoint: `http://127.0.0.1:${port}`,

  async prepare(log) {
    java = await findJava(versions.javaMajor);
    const dir = await mavenClasspath(
      "opensearch",
      { "opensearch.runner.version": versions.opensearchRunner },
      log,
    );
    classpath = `${join(dir, "libs")}/*`;
  },

  async start() {
    // The runner looks for a free HTTP port from its base up to 9299 and, finding none,
    // exits with nothing in its log but "Closed all nodes.".
    if (port > maxRunnerHttpPort)
      throw new Error(
        `VOBE_SEARCH_PORT=${port}: the OpenSearch runner binds HTTP ports up to ${maxRunnerHttpPort} only`,
      );
    // Left to its defaults a node looks for peers on 127.0.0.1:9300-9305 and joins one of
    // the same cluster name: a second stack's engine (a test's own) would join this one,
    // take shards from it and lose them when stopped. One node, so no discovery at all.
    // The runner keeps an opensearch.yml it finds in the node's config folder.
    const conf = join(stackPaths.data(NAME), "node_1", "config");
    mkdirSync(conf, { recursive: true });
    writeFileSync(join(conf, "opensearch.yml"), "discovery.type: single-node\n");
    spawnDetached({
      command: java,
      args: [
        "-Xms256m",
        `-Xmx${stackConfig.heap.search}`,
        "-XX:+UseG1GC",
        "-Djava.awt.headless=true",
        "-cp",
        classpath,
        "org.codelibs.opensearch.runner.OpenSearchRunner",
        "-basePath",
        stackPaths.data(NAME),
        "-numOfNode",
        "1",
        // The runner numbers node ports from base+1.
        "-baseHttpPort",
        String(port - 1),
        "-clusterName",
        "vobemusic",
      ],
      logFile: stackPaths.log(NAME),
      pidFile: stackPaths.pid(NAME),
    });
  },

  async healthy() {
    const response = await fetch(
      `http://127.0.0.1:${port}/_cluster/health?wait_for_status=yellow&timeout=1s`,
      { signal: AbortSignal.timeout(3000) },
    );
    if (!response.ok) return false;
    const body = (await response.json()) as { status?: string };
    return body.status === "green" || body.status === "yellow";
  },
};
