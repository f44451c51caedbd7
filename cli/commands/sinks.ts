import type { Command } from "commander";
import { provideEndpoints } from "../../stack/provide.ts";
import { say } from "../output.ts";

/**
 * `vobe serve sinks [--only view…] [--prefix …]` runs the views; `vobe sinks status | rebuild | swap |
 * drop` manage their versions (docs/adr/010-sinks.md). The sinks' modules are imported in
 * the actions so other commands do not load them.
 */
export function registerSinksCommands(program: Command): void {
  const serve =
    program.commands.find((c) => c.name() === "serve") ??
    program.command("serve").description("run one of the platform's servers in the foreground");

  serve
    .command("sinks")
    .description(
      "the sinks: every view (Postgres and search) follows its topics until SIGINT/SIGTERM; endpoints from env or the native stack",
    )
    .option(
      "--only <views...>",
      "only these views (auth artist content comment feedback listening chat search)",
    )
    // A prefixed run (tests, a second platform on one stack): its topics, its schemas, its indices.
    .option("--prefix <prefix>", "topic prefix (a prefixed catalog)")
    .option("--schema-prefix <prefix>", "put in front of each view's Postgres schema")
    .option("--index-prefix <prefix>", "put in front of the search indices and aliases")
    .action(
      async (options: {
        only?: string[];
        prefix?: string;
        schemaPrefix?: string;
        indexPrefix?: string;
      }) => {
        const { endpoints } = await provideEndpoints(say);
        const { runSinks } = await import("../../sinks/serve.ts");
        await runSinks(endpoints, {
          ...(options.only ? { only: options.only } : {}),
          ...(options.prefix ? { topicPrefix: options.prefix } : {}),
          ...(options.schemaPrefix ? { schemaPrefix: options.schemaPrefix } : {}),
          ...(options.indexPrefix ? { indexPrefix: options.indexPrefix } : {}),
        });
      },
    );

  const sinks = program.command("sinks").description("the views' versions: status, rebuild, swap");

  sinks
    .command("status")
    .description("each view's versions, which one is live, and how far each is behind its topics")
    .action(async () => {
      const { endpoints } = await provideEndpoints(say);
      const { sinksStatus } = await import("../../sinks/admin.ts");
      for (const line of await sinksStatus(endpoints)) say(line);
    });

  sinks
    .command("rebuild <view>")
    .description(
      "build a new version of a view from offset 0 beside the live one; swap it in once it has caught up",
    )
    .option("--version <n>", "the version to build (default: the highest + 1)")
    .option("--no-swap", "leave the new version built but not live")
    .action(async (view: string, options: { version?: string; swap: boolean }) => {
      const { endpoints } = await provideEndpoints(say);
      const { rebuildView } = await import("../../sinks/admin.ts");
      await rebuildView(endpoints, view, {
        swap: options.swap,
        ...(options.version ? { version: Number(options.version) } : {}),
        log: say,
      });
    });

  sinks
    .command("swap <view> <version>")
    .description("make a built version of a view the live one, atomically")
    .action(async (view: string, version: string) => {
      const { endpoints } = await provideEndpoints(say);
      const { swapView } = await import("../../sinks/admin.ts");
      await swapView(endpoints, view, Number(version));
      say(`${view}: v${version} is live`);
    });

  sinks
    .command("drop <view> <version>")
    .description("drop a version of a view that is not live")
    .action(async (view: string, version: string) => {
      const { endpoints } = await provideEndpoints(say);
      const { dropViewVersion } = await import("../../sinks/admin.ts");
      await dropViewVersion(endpoints, view, Number(version));
      say(`${view}: v${version} dropped`);
    });
}
