/** The broker's error names (PRODUCER_FENCED, …) anywhere inside a client error. */
export function brokerErrorNames(error: unknown): string[] {
  const names: string[] = [];
  const seen = new Set<unknown>();
  const walk = (e: unknown) => {
    if (!e || typeof e !== "object" || seen.has(e)) return;
    seen.add(e);
    const { apiId, errors, cause } = e as { apiId?: unknown; errors?: unknown; cause?: unknown };
    if (typeof apiId === "string") names.push(apiId);
    if (Array.isArray(errors)) for (const inner of errors) walk(inner);
    walk(cause);
  };
  walk(error);
  return names;
}

const fencing = new Set(["PRODUCER_FENCED", "INVALID_PRODUCER_EPOCH", "FENCED_INSTANCE_ID"]);

/**
 * A newer instance owns this transactional id (or group instance): this one is a
 * zombie and must stop, not retry.
 */
export function isFenced(error: unknown): boolean {
  return brokerErrorNames(error).some((name) => fencing.has(name));
}
