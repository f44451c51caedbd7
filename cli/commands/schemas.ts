import type { Command } from "commander";
import { endpointsFromEnv } from "../../platform/config/endpoints.ts";
import { say } from "../output.ts";

export function registerSchemaCommands(program: Command): void {
  const schemas = program
    .command("schemas")
    .description("the Avro schemas of every event (schemas/avro/)");

  schemas
    .command("generate")
    .description("write schemas/generated/*.ts and docs/events.md from the .avsc files")
    .action(async () => {
      // Imported on use: the generator must load the generated code only after writing it.
      const { generate } = await import("../../schemas/codegen.ts");
      await generate(say);
    });

  schemas
    .command("check")
    .description(
      "compare every .avsc with its registered subject; exits 1 on a change the subject's compatibility level forbids",
    )
    .action(async () => {
      const { checkSchemas } = await import("../../schemas/check.ts");
      const results = await checkSchemas(endpointsFromEnv().schemaRegistryUrl);
      for (const r of results) {
        if (r.status === "incompatible") for (const line of r.problems) say(`✗ ${line}`);
      }
      const count = (status: string) => results.filter((r) => r.status === status).length;
      say(
        `${results.length} schemas: ${count("same")} as registered, ${count("compatible")} compatible changes, ${count("new")} new subjects, ${count("incompatible")} incompatible`,
      );
      if (count("incompatible") > 0) process.exitCode = 1;
    });
}
