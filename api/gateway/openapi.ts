/**
 * The OpenAPI document of the whole API: this process' routes, plus the paths of the
 * services that run elsewhere, taken from their own /api/openapi.json (fetched when the
 * document is asked for, kept once fetched; a service that cannot be reached is left out
 * until it can).
 *
 *   const docs = remoteDocs(options);
 *   app.get("/api/openapi.json", async () => docs.merge(app.swagger()));
 */
import { type GatewayOptions, servesLocally, services } from "./config.ts";

type Document = { paths?: Record<string, unknown>; [key: string]: unknown };

export function remoteDocs(options: GatewayOptions, timeoutMs = 1_500) {
  const remote = options.only
    ? []
    : services.flatMap((service) => {
        const base = options.services?.[service];
        return base && !servesLocally(options, service) ? [{ service, base }] : [];
      });
  const cache = new Map<string, Record<string, unknown>>();

  const fetchPaths = async ({ service, base }: { service: string; base: string }) => {
    if (cache.has(service)) return;
    try {
      const res = await fetch(new URL("/api/openapi.json", base), {
        signal: AbortSignal.timeout(timeoutMs),
      });
      if (!res.ok) return;
      const doc = (await res.json()) as Document;
      const prefix = `/api/${service}`;
      cache.set(
        service,
        Object.fromEntries(
          Object.entries(doc.paths ?? {}).filter(
            ([path]) => path === prefix || path.startsWith(`${prefix}/`),
          ),
        ),
      );
    } catch {
      // Not reachable now: asked again with the next document.
    }
  };

  /** The local document with the cached remote paths (synchronous: for the Swagger UI). */
  const mergeCached = <D>(doc: D): D => {
    if (remote.length === 0) return doc;
    const local = doc as Document;
    const paths = { ...local.paths };
    for (const remotePaths of cache.values()) Object.assign(paths, remotePaths);
    return { ...local, paths } as D;
  };

  return {
    mergeCached,
    async merge<D>(doc: D): Promise<D> {
      await Promise.all(remote.map(fetchPaths));
      return mergeCached(doc);
    },
  };
}
