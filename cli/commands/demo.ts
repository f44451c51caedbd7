import type { Command } from "commander";
import type { Endpoints } from "../../platform/config/endpoints.ts";
import { provideEndpoints } from "../../stack/provide.ts";
import { say } from "../output.ts";

const sizes = ["tiny", "small", "full"] as const;
type Size = (typeof sizes)[number];

const number = (n: number) => n.toLocaleString("en-US", { maximumFractionDigits: 0 });

function parseSize(value: string): Size {
  if (!(sizes as readonly string[]).includes(value)) {
    throw new Error(`--size ${value}: expected one of ${sizes.join(", ")}`);
  }
  return value as Size;
}

function parseNumber(name: string, value: string, integer = false): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) {
    throw new Error(`${name} ${value}: expected a positive ${integer ? "integer" : "number"}`);
  }
  return n;
}

/**
 * The topics must exist before anything is produced: both commands run the same
 * idempotent `vobe topics apply` first (it only creates what is missing and never deletes),
 * so a fresh platform needs no separate step.
 */
async function ensureTopics(endpoints: Endpoints, topicPrefix: string): Promise<boolean> {
  const { applyCatalog, summary } = await import("../../schemas/apply.ts");
  const { prefixedCatalog } = await import("../../schemas/catalog.ts");
  say(
    `Applying the topic catalog${topicPrefix ? ` under the prefix ${topicPrefix}` : ""} (the same as \`vobe topics apply\`; idempotent)...`,
  );
  const report = await applyCatalog({
    kafkaBrokers: endpoints.kafkaBrokers,
    schemaRegistryUrl: endpoints.schemaRegistryUrl,
    ...(topicPrefix ? { catalog: prefixedCatalog(topicPrefix) } : {}),
    log: say,
  });
  say(summary(report));
  if (report.refused.length > 0) {
    say("vobe: the registry refused some schemas; fix them before loading demo data");
    return false;
  }
  return true;
}

interface SimulateOptions {
  rate: string;
  duration?: string;
  seed?: string;
  size: string;
  topicPrefix?: string;
  replay?: boolean;
}

export function registerDemoCommands(program: Command): void {
  const demo = program
    .command("demo")
    .description("demo data: a realistic, deterministic catalog and simulated listeners");

  demo
    .command("audio")
    .description(
      "give the demo catalog's first tracks real audio (ffmpeg, through the upload path): for a platform whose demo was loaded before audio existed",
    )
    .option("--size <size>", `the size load used: ${sizes.join(" | ")}`, "full")
    .option("--seed <n>", "the seed load used")
    .option("--count <n>", "how many tracks", "16")
    .option("--topic-prefix <prefix>", "the prefix load used")
    .action(
      async (options: { size: string; seed?: string; count: string; topicPrefix?: string }) => {
        const { defaultDemoSeed, generateDemoCatalog } = await import(
          "../../connect/demo/index.ts"
        );
        const seed = options.seed ? parseNumber("--seed", options.seed, true) : defaultDemoSeed;
        const catalog = generateDemoCatalog({ size: parseSize(options.size), seed });
        const { endpoints } = await provideEndpoints(say);
        const { findFfmpeg } = await import("../../stack/host.ts");
        await findFfmpeg();
        const { loadDemoAudio } = await import("../../connect/demo/audio.ts");
        const audio = await loadDemoAudio({
          endpoints,
          catalog,
          count: parseNumber("--count", options.count, true),
          topicPrefix: options.topicPrefix ?? "",
        });
        say(
          `Audio for ${audio.tracks} tracks (${number(audio.bytes)} bytes) in ${audio.seconds.toFixed(1)} s.`,
        );
      },
    );

  demo
    .command("load")
    .description(
      "write the demo catalog (users, artists, albums, tracks, posts, comments, feedback) as events; only into an empty platform unless --force",
    )
    .option("--size <size>", `how much: ${sizes.join(" | ")}`, "full")
    .option("--seed <n>", "the seed: the same seed gives the same catalog")
    .option("--force", "load even when auth.users or artist.tracks already hold records")
    .option("--topic-prefix <prefix>", "write to <prefix><topic> (trials; never the real topics)")
    .action(
      async (options: { size: string; seed?: string; force?: boolean; topicPrefix?: string }) => {
        const topicPrefix = options.topicPrefix ?? "";
        const { defaultDemoSeed, demoPassword, loadDemoCatalog, nonEmptyTopics } = await import(
          "../../connect/demo/index.ts"
        );
        const size = parseSize(options.size);
        const seed = options.seed ? parseNumber("--seed", options.seed, true) : defaultDemoSeed;
        const { endpoints } = await provideEndpoints(say);
        if (!(await ensureTopics(endpoints, topicPrefix))) {
          process.exitCode = 1;
          return;
        }
        const nonEmpty = await nonEmptyTopics({ endpoints, topicPrefix });
        if (nonEmpty.length > 0 && !options.force) {
          say(
            `vobe: not loading demo data: ${nonEmpty.join(" and ")} already hold records. Loading again would add a second copy; use --force if that is what you want.`,
          );
          process.exitCode = 1;
          return;
        }
        say(`Loading the ${size} demo catalog (seed ${seed})...`);
        let nextMark = 5_000;
        const report = await loadDemoCatalog({
          endpoints,
          size,
          seed,
          topicPrefix,
          force: true,
          onProgress: (p) => {
            if (p.phaseDone) {
              say(
                `  ${p.phase.padEnd(16)} ${number(p.total).padStart(7)} events   ${number(p.written).padStart(7)}/${number(p.totalEvents)} in all, ${number(p.eventsPerSecond)} events/s`,
              );
            } else if (p.done >= nextMark) {
              say(`  ${p.phase.padEnd(16)} ${number(p.done).padStart(7)}/${number(p.total)}...`);
            }
            nextMark = p.phaseDone
              ? 5_000
              : Math.max(nextMark, Math.ceil((p.done + 1) / 5_000) * 5_000);
          },
        });
        const c = report.catalog;
        // Real audio for some tracks, through the upload path (connect/demo/audio.ts).
        const { findFfmpeg } = await import("../../stack/host.ts");
        await findFfmpeg();
        const { loadDemoAudio } = await import("../../connect/demo/audio.ts");
        const audio = await loadDemoAudio({ endpoints, catalog: c, topicPrefix });
        say(
          `  audio            ${String(audio.tracks).padStart(7)} tracks (${audio.seconds.toFixed(1)} s)`,
        );
        say(
          `Loaded ${number(report.events)} events in ${report.seconds.toFixed(1)} s (${number(report.eventsPerSecond)} events/s): ` +
            `${number(c.users.length)} users, ${number(c.artists.length)} artists, ${number(c.albums.length)} albums, ` +
            `${number(c.tracks.length)} tracks, ${number(c.posts.length)} posts, ${number(c.comments.length)} comments, ` +
            `${number(c.feedback.length)} feedback items.`,
        );
        say(
          `Every demo account's password is "${demoPassword}" (e.g. sign in as "admin", or as "${c.users.find((u) => u.role === "listener")?.username}").`,
        );
        say(
          `Simulate listeners with: ./vobe demo simulate --size ${size} --seed ${seed}${topicPrefix ? ` --topic-prefix ${topicPrefix}` : ""}`,
        );
      },
    );

  demo
    .command("simulate")
    .description(
      "play the demo catalog's tracks as simulated listeners (TrackPlayed, source simulator) at a steady rate",
    )
    .option("--rate <n>", "plays per second", "200")
    .option("--duration <seconds>", "stop after this long (default: run until Ctrl-C)")
    .option("--seed <n>", "the seed the catalog was loaded with")
    .option("--size <size>", `the size the catalog was loaded with: ${sizes.join(" | ")}`, "full")
    .option("--topic-prefix <prefix>", "write to <prefix>listening.plays (trials)")
    .option(
      "--replay",
      "resend the plays of an earlier run with this seed, with their play ids (counted once); default: fresh play ids, new plays",
    )
    .action(async (options: SimulateOptions) => {
      const topicPrefix = options.topicPrefix ?? "";
      const {
        defaultDemoSeed,
        demoListening,
        generateDemoCatalog,
        isPlatformEmpty,
        simulatePlays,
      } = await import("../../connect/demo/index.ts");
      const size = parseSize(options.size);
      const seed = options.seed ? parseNumber("--seed", options.seed, true) : defaultDemoSeed;
      const rate = parseNumber("--rate", options.rate);
      const duration = options.duration ? parseNumber("--duration", options.duration) : undefined;
      const { endpoints } = await provideEndpoints(say);
      if (!(await ensureTopics(endpoints, topicPrefix))) {
        process.exitCode = 1;
        return;
      }
      if (await isPlatformEmpty({ endpoints, topicPrefix })) {
        say("warning: no users or tracks in the platform; run `./vobe demo load` first");
      }
      // The same seed and size regenerate the same track and user ids as `demo load`.
      const { tracks, userIds } = demoListening(generateDemoCatalog({ size, seed }));
      say(
        `Simulating ${number(userIds.length)} listeners on ${number(tracks.length)} tracks at ${rate}/s` +
          `${duration === undefined ? " until Ctrl-C" : ` for ${duration} s`} (seed ${seed}, size ${size}${options.replay ? ", replaying its play ids" : ""})...`,
      );
      const report = await simulatePlays({
        endpoints,
        ratePerSecond: rate,
        ...(duration === undefined ? {} : { durationSeconds: duration }),
        seed,
        topicPrefix,
        tracks,
        userIds,
        replay: options.replay === true,
        onProgress: (p) =>
          say(
            `  ${p.elapsedSeconds.toFixed(0).padStart(4)} s  ${number(p.sent).padStart(8)} plays  ${number(p.eventsPerSecond)}/s`,
          ),
      });
      say(
        `Sent ${number(report.sent)} plays in ${report.seconds.toFixed(1)} s: ${report.eventsPerSecond.toFixed(1)}/s achieved (asked ${rate}/s); stopped by ${report.stoppedBy === "duration" ? "the duration" : "Ctrl-C"}.`,
      );
    });
}
