/**
 * Runs the music topologies (processors/topologies/) against Kafka: one StreamsApp per
 * topology, applicationId `vobe-<name>` (the consumer group, the transactional id's and
 * the internal topics' prefix), exactly-once, state under .stack/state.
 *
 *   const running = await startProcessors({ brokers, schemaRegistryUrl, only: ["plays-per-track"] });
 *   running.apps[0]?.app.keyValueStore<string, number>("track-play-counts").get(trackId);
 *   await running.stop();
 */
import { hostname } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { StreamsConfigInput } from "../engine/runtime/config.ts";
import { StreamsApp } from "../engine/runtime/streams-app.ts";
import { AvroSerdes, httpRegistry, type SchemaLookup } from "../serdes/avro.ts";
import { type TopologyName, topologies, topologyNames } from "../topologies/index.ts";

const projectRoot = resolve(fileURLToPath(new URL("../..", import.meta.url)));

export interface ProcessorAppOptions {
  brokers: string[];
  schemaRegistryUrl: string;
  /** Prefix of every topic and of the application ids (tests: a prefixed catalog). */
  prefix?: string;
  /** Default: <project>/.stack/state. */
  stateDir?: string;
  /**
   * Stable per running instance (it names the transactional id, so a restart fences
   * its predecessor). Default: $VOBE_INSTANCE_ID, else the host name; set
   * VOBE_INSTANCE_ID when running two instances on one host.
   */
  instanceId?: string;
  /** Default: the registry at schemaRegistryUrl. */
  registry?: SchemaLookup;
  /** Anything else of the runtime's config (commit interval, error handlers…). */
  config?: Partial<StreamsConfigInput>;
}

export interface ProcessorApp {
  readonly name: TopologyName;
  readonly app: StreamsApp;
  readonly serdes: AvroSerdes;
}

export function applicationIdOf(name: TopologyName, prefix = ""): string {
  return `${prefix}vobe-${name}`;
}

/** Builds one topology's app (not started): its serdes look their schema ids up now. */
export async function createProcessorApp(
  name: TopologyName,
  options: ProcessorAppOptions,
): Promise<ProcessorApp> {
  const definition = topologies[name];
  if (!definition) throw new Error(`no topology named ${name}; known: ${topologyNames.join(", ")}`);
  const prefix = options.prefix ?? "";
  const serdes = await AvroSerdes.create(
    options.registry ?? httpRegistry(options.schemaRegistryUrl),
    {
      prefix,
      read: definition.reads,
      write: definition.writes,
    },
  );
  const app = new StreamsApp(definition.build({ serdes }), {
    ...options.config,
    applicationId: applicationIdOf(name, prefix),
    brokers: options.brokers,
    processingGuarantee: "exactly_once",
    stateDir: options.stateDir ?? join(projectRoot, ".stack", "state"),
    instanceId: options.instanceId ?? process.env.VOBE_INSTANCE_ID ?? hostname(),
  });
  return { name, app, serdes };
}

export interface RunningProcessors {
  readonly apps: readonly ProcessorApp[];
  /** Stops every app (commits what is processed, leaves the groups). */
  stop(): Promise<void>;
}

/** Starts the named topologies (default all), each as its own app, in parallel. */
export async function startProcessors(
  options: ProcessorAppOptions & {
    only?: readonly TopologyName[];
    log?: (line: string) => void;
  },
): Promise<RunningProcessors> {
  const log = options.log ?? (() => {});
  const names = options.only && options.only.length > 0 ? options.only : topologyNames;
  const apps: ProcessorApp[] = [];
  const stop = async () => {
    await Promise.all(apps.map((a) => a.app.stop()));
  };
  try {
    for (const name of names) apps.push(await createProcessorApp(name, options));
    for (const { app } of apps) {
      app.onStateChange((state, error) => {
        log(`  ${app.config.applicationId}: ${state}${error ? ` (${error.message})` : ""}`);
      });
    }
    await Promise.all(apps.map((a) => a.app.start()));
  } catch (error) {
    await stop();
    throw error;
  }
  return { apps, stop };
}
