import { existsSync, mkdirSync, statfsSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { StackError } from "./errors.ts";
import { run } from "./process.ts";

export const isRoot = process.getuid?.() === 0;

/** Where a command lives on PATH, or undefined. */
export function which(command: string): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(":")) {
    if (dir && existsSync(join(dir, command))) return join(dir, command);
  }
  return undefined;
}

let aptUpdated = false;

/** Installs Debian packages when running as root; otherwise says exactly what to install. */
export async function ensureDebianPackages(packages: string[], why: string): Promise<void> {
  if (!isRoot || !which("apt-get")) {
    throw new StackError(
      `${why} is missing`,
      `install it with: sudo apt-get install -y ${packages.join(" ")}`,
    );
  }
  if (!aptUpdated) {
    await aptGet(["update", "-q"]);
    aptUpdated = true;
  }
  await aptGet(["install", "-y", "-q", "--no-install-recommends", ...packages]);
}

const aptLockWaitMs = 10 * 60_000;

/**
 * apt-get, waiting while another apt-get holds Debian's locks: two first runs on one
 * machine (a test suite beside `vobe start`) install their packages at the same time,
 * and the second one failed with "Could not get lock /var/lib/apt/lists/lock".
 */
async function aptGet(args: string[]): Promise<void> {
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  const deadline = Date.now() + aptLockWaitMs;
  for (;;) {
    try {
      await run("apt-get", ["-o", "DPkg::Lock::Timeout=60", ...args], { env });
      return;
    } catch (error) {
      const held = /Could not get lock|Unable to lock/.test(String(error));
      if (!held || Date.now() > deadline) throw error;
      await sleep(2_000);
    }
  }
}

/** The java binary to use: JAVA_HOME first, then PATH; installed from Debian when missing and root. */
export async function findJava(minMajor: number): Promise<string> {
  const candidates = [
    process.env.JAVA_HOME ? join(process.env.JAVA_HOME, "bin", "java") : undefined,
    which("java"),
  ].filter((c): c is string => c !== undefined && existsSync(c));
  for (const java of candidates) {
    const major = await javaMajor(java);
    if (major >= minMajor) return java;
  }
  if (candidates.length === 0) {
    await ensureDebianPackages([`openjdk-${minMajor}-jre-headless`], `Java ${minMajor}+`);
    const java = which("java");
    if (java && (await javaMajor(java)) >= minMajor) return java;
  }
  throw new StackError(
    `Java ${minMajor} or newer is needed (found: ${candidates.join(", ") || "none"})`,
    `install a JDK ${minMajor}+ or point JAVA_HOME at one`,
  );
}

async function javaMajor(java: string): Promise<number> {
  const out = await run(java, ["-version"]).catch(() => "");
  const match = /version "(\d+)(?:\.(\d+))?/.exec(out);
  if (!match) return 0;
  const first = Number(match[1]);
  return first === 1 ? Number(match[2]) : first;
}

export async function findMaven(): Promise<string> {
  const found = which("mvn");
  if (found) return found;
  await ensureDebianPackages(["maven"], "Maven (fetches the Java services from Maven Central)");
  const installed = which("mvn");
  if (!installed) throw new StackError("Maven is still not on PATH after installing it");
  return installed;
}

/** Debian's Chromium for the web app's browser tests (VOBE_CHROMIUM: another binary). */
export async function findChromium(): Promise<string> {
  const wanted = process.env.VOBE_CHROMIUM ?? "/usr/bin/chromium";
  if (existsSync(wanted)) return wanted;
  await ensureDebianPackages(["chromium"], "Chromium (the web app's browser tests)");
  if (!existsSync(wanted)) throw new StackError(`Chromium is still missing at ${wanted}`);
  return wanted;
}

/**
 * ffmpeg (with ffprobe): probes uploaded audio and makes the demo catalog's audio. From
 * Debian's packages when missing and root, like Java and Postgres.
 */
export async function findFfmpeg(): Promise<string> {
  const found = which("ffmpeg");
  if (found && which("ffprobe")) return found;
  await ensureDebianPackages(["ffmpeg"], "ffmpeg (probes uploaded audio, makes the demo's audio)");
  const installed = which("ffmpeg");
  if (!installed || !which("ffprobe")) {
    throw new StackError("ffmpeg is still not on PATH after installing it");
  }
  return installed;
}

/** Fails early with a clear message instead of letting a broker die on a full disk. */
export function ensureFreeDisk(path: string, minBytes: number): void {
  mkdirSync(path, { recursive: true });
  const stats = statfsSync(path);
  const free = stats.bavail * stats.bsize;
  if (free < minBytes) {
    const gib = (n: number) => (n / 2 ** 30).toFixed(1);
    throw new StackError(
      `not enough disk at ${path}: ${gib(free)} GiB free, ${gib(minBytes)} GiB needed`,
      "free some space or set VOBE_STACK_HOME to a larger disk",
    );
  }
}
