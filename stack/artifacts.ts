import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { stackConfig, stackPaths } from "./config.ts";
import { findMaven } from "./host.ts";
import { run } from "./process.ts";

const COMPLETE = ".complete";

function pomFor(name: string): string {
  return resolve(stackConfig.projectRoot, "stack", "maven", name, "pom.xml");
}

/**
 * Copies the runtime class path of `stack/maven/<name>/pom.xml` from Maven Central
 * (through ~/.m2) into a folder keyed by the pom's content and the properties, so a
 * second start does no resolution at all.
 */
export async function mavenClasspath(
  name: string,
  properties: Record<string, string> = {},
  log: (line: string) => void = () => {},
): Promise<string> {
  const pom = pomFor(name);
  const key = createHash("sha256")
    .update(readFileSync(pom))
    .update(JSON.stringify(properties))
    .digest("hex")
    .slice(0, 12);
  const dir = join(stackPaths.artifacts, `${name}-${key}`);
  if (existsSync(join(dir, COMPLETE))) return dir;
  log(`resolving ${name} from Maven Central…`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const mvn = await findMaven();
  const props = Object.entries(properties).map(([k, v]) => `-D${k}=${v}`);
  await run(mvn, [
    "-B",
    "-q",
    "-f",
    pom,
    "dependency:copy-dependencies",
    "-DincludeScope=runtime",
    `-DoutputDirectory=${join(dir, "libs")}`,
    ...props,
  ]);
  writeFileSync(join(dir, COMPLETE), new Date().toISOString());
  return dir;
}

/** Fetches one packaged artifact (no transitive resolution) and unpacks it once. */
export async function mavenDistribution(
  coordinates: string,
  folder: string,
  log: (line: string) => void = () => {},
): Promise<string> {
  const dir = join(stackPaths.artifacts, folder);
  if (existsSync(join(dir, COMPLETE))) return dir;
  log(`fetching ${coordinates} from Maven Central…`);
  rmSync(dir, { recursive: true, force: true });
  const download = join(dir, "download");
  mkdirSync(download, { recursive: true });
  const mvn = await findMaven();
  await run(mvn, [
    "-B",
    "-q",
    "dependency:copy",
    `-Dartifact=${coordinates}`,
    `-DoutputDirectory=${download}`,
  ]);
  const archive = readdirSync(download).find((f) => f.endsWith(".tar.gz"));
  if (!archive) throw new Error(`${coordinates} did not yield a .tar.gz`);
  await run("tar", ["-xzf", join(download, archive), "-C", dir]);
  rmSync(download, { recursive: true, force: true });
  writeFileSync(join(dir, COMPLETE), new Date().toISOString());
  return dir;
}
