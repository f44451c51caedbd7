import type { Command } from "commander";
import { provideEndpoints } from "../../stack/provide.ts";
import { say } from "../output.ts";
import { jwtSecret } from "../platform/processes.ts";

export function registerServeCommand(program: Command): void {
  const serve = program
    .command("serve")
    .description("run one of the platform's servers in the foreground");

  serve
    .command("api")
    .description(
      "the write API (Fastify) on VOBE_API_HOST:VOBE_API_PORT (default 127.0.0.1:8080); endpoints from env or the native stack",
    )
    .action(async () => {
      const { endpoints } = await provideEndpoints(say);
      // The stack's own random secret, never the development default in the source.
      process.env.VOBE_JWT_SECRET = jwtSecret();
      // Imported here: the other commands need not load Fastify.
      const { runServer } = await import("../../api/server.ts");
      await runServer(endpoints);
    });

  serve
    .command("guide")
    .description(
      "the AI guide's reply worker (guide/); OPENAI_BASE_URL, OPENAI_API_KEY, VOBE_CHAT_MODEL; /health and /metrics on VOBE_GUIDE_PORT (9466)",
    )
    .action(async () => {
      const { endpoints } = await provideEndpoints(say);
      const { runGuide } = await import("../../guide/serve.ts");
      await runGuide(endpoints);
    });

  serve
    .command("model")
    .description(
      "the guide's local model: SmolLM2-135M (guide/local-model/, fetched on first use) behind an OpenAI chat completions server on 127.0.0.1:VOBE_MODEL_PORT (8089); the offline demo model (templates, not an LLM) when it cannot load",
    )
    .action(async () => {
      const { startGuideModel } = await import("../../guide/local-model/serve.ts");
      const server = await startGuideModel(process.env, say);
      const who = server.responder.llm
        ? `${server.responder.id} (embedded language model)`
        : "offline demo model (not an LLM)";
      say(`model: ${who} ready at ${server.baseURL}`);
      const stop = () => void server.close().then(() => process.exit(0));
      process.once("SIGTERM", stop);
      process.once("SIGINT", stop);
    });
}
