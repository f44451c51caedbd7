/**
 * Which model the guide talks to: with no OpenAI endpoint and no key, the offline demo model
 * that `vobe start` runs (and names as what it is); with either set, the real endpoint, and
 * `vobe start` runs no offline model.
 */
import { describe, expect, it } from "vitest";
import { platformProcesses } from "../../../cli/platform/processes.ts";
import { guideConfigFromEnv, usesOfflineModel } from "../../../guide/config.ts";
import { offlineModelId } from "../../../guide/offline-model/server.ts";

describe("the guide's model", () => {
  it("is the offline demo model when nothing is configured", () => {
    const env = { VOBE_MODEL_PORT: "19467" };
    expect(usesOfflineModel(env)).toBe(true);
    expect(guideConfigFromEnv(env).model).toMatchObject({
      baseURL: "http://127.0.0.1:19467/v1",
      model: offlineModelId,
    });
    expect(guideConfigFromEnv({}).model.baseURL).toBe("http://127.0.0.1:8089/v1");
  });

  it("is the configured endpoint otherwise; a key alone is OpenAI's", () => {
    const url = { OPENAI_BASE_URL: "http://127.0.0.1:11434/v1", VOBE_CHAT_MODEL: "llama3.2" };
    expect(usesOfflineModel(url)).toBe(false);
    expect(guideConfigFromEnv(url).model).toMatchObject({
      baseURL: "http://127.0.0.1:11434/v1",
      model: "llama3.2",
    });
    const key = { OPENAI_API_KEY: "sk-test" };
    expect(usesOfflineModel(key)).toBe(false);
    expect(guideConfigFromEnv(key).model).toMatchObject({
      baseURL: "https://api.openai.com/v1",
      model: "gpt-4o-mini",
    });
  });

  it("is started by vobe start before the guide, only when wanted", () => {
    const names = platformProcesses.map((p) => p.name);
    expect(names.indexOf("model")).toBeLessThan(names.indexOf("guide"));
    const model = platformProcesses.find((p) => p.name === "model");
    expect(model?.command).toEqual(["serve", "model"]);
    expect(model?.wanted?.()).toBe(usesOfflineModel(process.env));
  });
});
