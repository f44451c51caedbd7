/**
 * One music topology as a StreamsApp: applicationId `vobe-<name>` (the consumer group,
 * the transactional id's and the internal topics' prefix), exactly-once, state under
 * the stack's home (.stack/state by default). Used on the main thread (inline) and inside a worker (worker.ts).
 */
import { hostname } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { StreamsConfigInput } from "../engine/runtime/config.ts";
import { StreamsApp } from "../engine/runtime/streams-app.ts";
import { AvroSerdes, httpRegistry, type SchemaLookup } from "../serdes/avro.ts";
import {
  type TopologyDefinition,
  type TopologyName,
  topologies,
  topologyNames,
} from "../topologies/index.ts";

const projectRoot = resolve(fileURLToPath(new URL("../..", import.meta.url)));

/**
 * Where the apps keep their persistent stores unless told otherwise: beside the stack's
 * data (VOBE_STACK_HOME, default <project>/.stack). The stores belong to the stack whose
 * changelogs they mirror: two stacks run from one checkout shared one state directory,
 * and each platform's processors found the other's checkpoints and locks (offsets out of
 * range on every fetch, "another instance took over").
 */
export const defaultStateDir = join(
  process.env.VOBE_STACK_HOME ? resolve(process.env.VOBE_STACK_HOME) : join(projectRoot, ".stack"),
  "state",
);

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
  /** Default: the registry at schemaRegistryUrl. Inline only: a worker cannot receive it. */
  registry?: SchemaLookup;
  /** Anything else of the runtime's config (commit interval, error handlers…). */
  config?: Partial<StreamsConfigInput>;
  /**
   * A module (path or file URL) exporting `topologies` by name, instead of
   * processors/topologies/index.ts: tests bring topologies of their own this way, and a
   * worker loads it by itself.
   */
  topologyModule?: string;
}

export interface ProcessorApp {
  readonly name: string;
  readonly app: StreamsApp;
  readonly serdes: AvroSerdes;
}

export function applicationIdOf(name: string, prefix = ""): string {
  return `${prefix}vobe-${name}`;
}

/** The topology definitions by name: the music ones, or those of `topologyModule`. */
export async function loadTopologies(
  topologyModule?: string,
): Promise<Readonly<Record<string, TopologyDefinition>>> {
  if (!topologyModule) return topologies;
  const url = topologyModule.startsWith("file:")
    ? topologyModule
    : pathToFileURL(resolve(topologyModule)).href;
  const loaded = (await import(url)) as { topologies?: Record<string, TopologyDefinition> };
  if (!loaded.topologies) throw new Error(`${topologyModule} exports no "topologies"`);
  return loaded.topologies;
}

/** Builds one topology's app (not started): its serdes look their schema ids up now. */
export async function createProcessorApp(
  name: TopologyName | (string & {}),
  options: ProcessorAppOptions,
): Promise<ProcessorApp> {
  const known = await loadTopologies(options.topologyModule);
  const definition = known[name];
  if (!definition) {
    const names = options.topologyModule ? Object.keys(known) : topologyNames;
    throw new Error(`no topology named ${name}; known: ${names.join(", ")}`);
  }
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
    stateDir: options.stateDir ?? defaultStateDir,
    instanceId: options.instanceId ?? process.env.VOBE_INSTANCE_ID ?? hostname(),
  });
  return { name, app, serdes };
}
