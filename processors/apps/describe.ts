/**
 * What each streams application runs, as data (engine/topology/description.ts): its
 * topology built the way the app builds it, but over serdes in memory, so describing needs
 * neither the registry nor Kafka (the nodes, stores and topics do not depend on schema ids).
 *
 *   const d = await describeApplication("plays-per-track");
 *   d?.subtopologies.length;
 */
import { describeTopologyData, type TopologyDescription } from "../engine/index.ts";
import { AvroSerdes } from "../serdes/avro.ts";
import { topologies } from "../topologies/index.ts";
import { applicationIdOf } from "./app.ts";

export interface ApplicationSummary {
  name: string;
  applicationId: string;
  description: string;
}

export function listApplications(prefix = ""): ApplicationSummary[] {
  return Object.entries(topologies).map(([name, definition]) => ({
    name,
    applicationId: applicationIdOf(name, prefix),
    description: definition.description,
  }));
}

/** The application's topology; null when no topology has that name. */
export async function describeApplication(
  name: string,
  prefix = "",
): Promise<(TopologyDescription & ApplicationSummary) | null> {
  if (!Object.hasOwn(topologies, name)) return null;
  const definition = topologies[name as keyof typeof topologies];
  const serdes = await AvroSerdes.inMemory([...definition.reads, ...definition.writes], prefix);
  const applicationId = applicationIdOf(name, prefix);
  return {
    name,
    description: definition.description,
    ...describeTopologyData(definition.build({ serdes }), applicationId),
  };
}
