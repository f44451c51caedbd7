/**
 * The web app (ui/, built into ui/dist by `./vobe start`) at `/`: hashed assets cached for a
 * year (their names change with their content), index.html never cached, every other path
 * that is not /api/* answered with index.html (the app's router owns it: SPA fallback).
 * Files are sent pre-compressed (brotli or gzip, made at build time: ui/scripts/build.ts).
 * The service worker (sw.js, and registerSW.js that installs it) is never cached either: a
 * cached copy would keep serving the old build's precached shell after a deploy.
 *
 *   await app.register(webRoutes, { root: "/…/ui/dist" });   // registerGateway does this
 */
import { existsSync, statSync } from "node:fs";
import { resolve, sep } from "node:path";
import fastifyStatic from "@fastify/static";
import type { FastifyInstance, FastifyReply } from "fastify";

export interface WebOptions {
  /** The built app (index.html, assets/). */
  root: string;
}

const year = 365 * 24 * 3600 * 1000;

/** Asked again at every visit (vite-plugin-pwa's output; ui/vite.config.ts). */
const neverCached = new Set(["sw.js", "registerSW.js"]);

export default async function webRoutes(app: FastifyInstance, options: WebOptions) {
  const root = resolve(options.root);
  await app.register(fastifyStatic, { root, serve: false, preCompressed: true, index: false });

  const fileIn = (relative: string): string | undefined => {
    if (!relative || relative.split("/").some((part) => part.startsWith("."))) return undefined;
    const full = resolve(root, relative);
    if (!full.startsWith(root + sep)) return undefined;
    return existsSync(full) && statSync(full).isFile() ? relative : undefined;
  };

  const indexHtml = (reply: FastifyReply) =>
    // Always asked again (cheap: the assets it names are cached), so a new build shows at once.
    reply.sendFile("index.html", { cacheControl: false }).header("cache-control", "no-cache");

  app.get("/*", { schema: { hide: true } }, async (request, reply) => {
    const path = (request.params as { "*": string })["*"] ?? "";
    if (path === "api" || path.startsWith("api/")) return reply.callNotFound();
    if (!existsSync(resolve(root, "index.html"))) {
      return reply.status(503).send({
        error: {
          code: "web_app_not_built",
          message: "the web app is not built: run ./vobe start (or npm run ui:build)",
        },
      });
    }
    const file = fileIn(path);
    if (path.startsWith("assets/")) {
      if (!file) return reply.callNotFound(); // an old page's chunk: a clear 404, not index.html
      return reply.sendFile(file, { maxAge: year, immutable: true });
    }
    if (file && neverCached.has(file)) {
      return reply.sendFile(file, { cacheControl: false }).header("cache-control", "no-cache");
    }
    if (file && file !== "index.html") return reply.sendFile(file, { maxAge: 3600 * 1000 });
    return indexHtml(reply);
  });
}
