/**
 * Builds the web app into ui/dist when its sources changed: a hash of the sources (and of
 * package-lock.json, which pins what they are built with) is kept in ui/dist/.source-hash,
 * and an unchanged hash skips the build. Every text asset gets a .br and a .gz beside it,
 * which the gateway sends as they are (api/gateway/web.ts).
 *
 *   await buildWebApp(say);            // ./vobe start
 *   npx tsx ui/scripts/build.ts        // by hand (--force: even when unchanged)
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";

const uiRoot = fileURLToPath(new URL("..", import.meta.url));
const projectRoot = join(uiRoot, "..");
export const distDir = join(uiRoot, "dist");
const stampFile = join(distDir, ".source-hash");
const sources = ["index.html", "vite.config.ts", "tsconfig.json", "public", "src"];
const compressible = /\.(js|mjs|css|html|svg|json|webmanifest|txt)$/;

function filesUnder(path: string): string[] {
  if (!existsSync(path)) return [];
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path)
    .sort()
    .flatMap((name) => filesUnder(join(path, name)));
}

/** What the build depends on: the app's sources and the locked dependency versions. */
export function sourceHash(): string {
  const hash = createHash("sha256");
  const files = [
    ...sources.flatMap((s) => filesUnder(join(uiRoot, s))).filter((f) => !f.endsWith(".test.ts")),
    join(projectRoot, "package-lock.json"),
  ];
  for (const file of files) {
    hash.update(relative(projectRoot, file)).update("\0").update(readFileSync(file)).update("\0");
  }
  return hash.digest("hex");
}

function precompress(dir: string): void {
  for (const file of filesUnder(dir).filter((f) => compressible.test(f))) {
    const content = readFileSync(file);
    if (content.length < 512) continue;
    writeFileSync(
      `${file}.br`,
      brotliCompressSync(content, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }),
    );
    writeFileSync(`${file}.gz`, gzipSync(content, { level: 9 }));
  }
}

export async function buildWebApp(
  log: (line: string) => void,
  options: { force?: boolean } = {},
): Promise<"built" | "unchanged"> {
  const hash = sourceHash();
  const built = existsSync(join(distDir, "index.html")) && existsSync(stampFile);
  if (!options.force && built && readFileSync(stampFile, "utf8").trim() === hash) {
    log("web app: sources unchanged, not rebuilt");
    return "unchanged";
  }
  log("web app: building (vite)…");
  const began = Date.now();
  const { build } = await import("vite");
  await build({ configFile: join(uiRoot, "vite.config.ts"), logLevel: "warn" });
  precompress(distDir);
  writeFileSync(stampFile, `${hash}\n`);
  log(`web app: built in ${((Date.now() - began) / 1000).toFixed(1)} s`);
  return "built";
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await buildWebApp((line) => console.log(line), { force: process.argv.includes("--force") });
}
