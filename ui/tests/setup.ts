/**
 * What the component tests share: the app's i18n and a fresh Pinia per test, and `answer()`,
 * which replaces fetch with canned API answers (the browser tests use the real API).
 */
import { createPinia, setActivePinia } from "pinia";
import { vi } from "vitest";
import { createMemoryHistory, createRouter } from "vue-router";
import { i18n } from "../src/i18n/index.ts";

export function plugins() {
  const pinia = createPinia();
  setActivePinia(pinia);
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [{ path: "/:rest(.*)*", component: { template: "<div />" } }],
  });
  return { router, global: { plugins: [pinia, i18n, router] } };
}

/** fetch answers by path (the query string ignored): a body, or [status, body]. */
export function answer(routes: Record<string, unknown | [number, unknown]>) {
  const calls: string[] = [];
  const fetchMock = vi.fn(async (input: string | URL | Request) => {
    const url = String(input);
    calls.push(url);
    const path = url.split("?")[0] ?? url;
    const found = routes[path];
    if (found === undefined)
      return new Response(JSON.stringify({ error: { code: "not_found", message: path } }), {
        status: 404,
      });
    const [status, body] =
      Array.isArray(found) && typeof found[0] === "number" ? found : [200, found];
    return new Response(JSON.stringify(body), {
      status: status as number,
      headers: { "content-type": "application/json" },
    });
  });
  vi.stubGlobal("fetch", fetchMock);
  return calls;
}
