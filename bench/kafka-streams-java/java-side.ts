// Builds the Java side (CountPlays.java on Kafka Streams) with Maven from Maven Central, as
// the stack builds the broker's class path: nothing installed by hand beyond a JDK and
// Maven, which stack/host.ts installs from Debian when root. Returns the `java` command.
import { existsSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { findJava, findMaven } from "../../stack/host.ts";
import { run } from "../../stack/process.ts";
import { versions } from "../../stack/versions.ts";

const here = dirname(fileURLToPath(import.meta.url));

export interface JavaSide {
  java: string;
  javaVersion: string;
  kafkaStreamsVersion: string;
  /** `java` arguments up to the main class; the app's own arguments follow. */
  launchArgs: string[];
}

/**
 * `mvn compile dependency:copy-dependencies` into bench/kafka-streams-java/target: the
 * classes and every runtime jar, launched with a plain class path (no shading needed).
 */
export async function buildJavaSide(kafkaStreamsVersion?: string): Promise<JavaSide> {
  const java = await findJava(versions.javaMajor);
  const mvn = await findMaven();
  const target = join(here, "target");
  // One jar folder per version: a version switch must not leave the other's jars behind.
  const jars = join(target, `lib-${kafkaStreamsVersion ?? "pom"}`);
  await run(mvn, [
    "-B",
    "-q",
    "-f",
    join(here, "pom.xml"),
    "compile",
    "dependency:copy-dependencies",
    "-DincludeScope=runtime",
    `-DoutputDirectory=${jars}`,
    ...(kafkaStreamsVersion ? [`-Dkafka.version=${kafkaStreamsVersion}`] : []),
  ]);
  const streamsJars = readdirSync(jars).filter((f) => /^kafka-streams-\d.*\.jar$/.test(f));
  if (streamsJars.length !== 1)
    throw new Error(
      `expected one kafka-streams jar in ${jars}, found: ${streamsJars.join(", ") || "none"} (delete it and retry)`,
    );
  const streamsJar = streamsJars[0] as string;
  if (!existsSync(join(target, "classes", "vobe", "bench", "CountPlays.class")))
    throw new Error("CountPlays did not compile");
  const javaVersion = (await run(java, ["-version"])).split("\n")[0]?.trim() ?? "?";
  return {
    java,
    javaVersion,
    kafkaStreamsVersion: streamsJar.replace(/^kafka-streams-/, "").replace(/\.jar$/, ""),
    launchArgs: [
      // slf4j-simple: warnings and errors only (Kafka Streams logs every config at INFO).
      "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
      "-Dorg.slf4j.simpleLogger.logFile=System.err",
      "-cp",
      `${join(target, "classes")}:${join(jars, "*")}`,
      "vobe.bench.CountPlays",
    ],
  };
}
