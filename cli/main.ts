import { Command } from "commander";
import { StackError } from "../stack/errors.ts";
import { registerCatalogCommand } from "./commands/catalog.ts";
import { registerConnectCommands } from "./commands/connect.ts";
import { registerDemoCommands } from "./commands/demo.ts";
import { registerDlqCommands } from "./commands/dlq.ts";
import { registerExportCommand } from "./commands/export.ts";
import { registerLagCommand } from "./commands/lag.ts";
import { registerLogsCommand } from "./commands/logs.ts";
import {
  registerProcessorsAdminCommand,
  registerProcessorsCommand,
} from "./commands/processors.ts";
import { registerSchemaCommands } from "./commands/schemas.ts";
import { registerServeCommand } from "./commands/serve.ts";
import { registerSinksCommands } from "./commands/sinks.ts";
import { registerSqlCommand } from "./commands/sql.ts";
import { registerStackCommands } from "./commands/stack.ts";
import { registerStartCommand } from "./commands/start.ts";
import { registerTestCommand } from "./commands/test.ts";
import { registerTopicCommands } from "./commands/topics.ts";

const program = new Command()
  .name("vobe")
  .description("VobeMusic: run the platform, its native stack and its tests");

registerStartCommand(program);
registerTestCommand(program);
registerStackCommands(program);
registerTopicCommands(program);
registerSchemaCommands(program);
registerDemoCommands(program);
registerServeCommand(program);
registerSinksCommands(program);
registerProcessorsCommand(program);
registerProcessorsAdminCommand(program);
registerLagCommand(program);
registerLogsCommand(program);
registerDlqCommands(program);
registerExportCommand(program);
registerSqlCommand(program);
registerCatalogCommand(program);
registerConnectCommands(program);

try {
  await program.parseAsync();
} catch (error) {
  // An operator reads a message, not a stack trace; VOBE_DEBUG=1 shows where it came from.
  if (error instanceof StackError || process.env.VOBE_DEBUG !== "1") {
    console.error(`vobe: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  } else {
    throw error;
  }
}
