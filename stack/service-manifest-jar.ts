/**
 * A jar holding only Java ServiceLoader manifests (`META-INF/services/<interface>`), for a
 * Kafka Connect plugin whose own jars lack them: with it the worker can run with
 * `plugin.discovery=service_load` and skip scanning every class of every jar, which took
 * 43 s of a 73 s start on two busy cores (docs/adr/035-kafka-connect.md). Written in a few
 * lines (a jar is a zip; entries stored, not deflated) so that no JDK tool is needed.
 */
import { writeFileSync } from "node:fs";
import { crc32 } from "node:zlib";

/** `services`: interface name → implementation class names. */
export function writeServiceManifestJar(path: string, services: Record<string, string[]>): void {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [service, classes] of Object.entries(services)) {
    const name = Buffer.from(`META-INF/services/${service}`);
    const data = Buffer.from(`${classes.join("\n")}\n`);
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed
    local.writeUInt16LE(0x0021, 12); // date: 1980-01-01
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4); // version made by
    central.writeUInt16LE(20, 6); // version needed
    central.writeUInt16LE(0x0021, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, data);
    centrals.push(central, name);
    offset += local.length + name.length + data.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(Object.keys(services).length, 8);
  end.writeUInt16LE(Object.keys(services).length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  writeFileSync(path, Buffer.concat([...locals, directory, end]));
}
