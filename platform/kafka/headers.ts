/** Header values on the wire are bytes; strings are UTF-8. */
const empty = new Map<Buffer, Buffer>();

// Header names repeat on every record (event-type, correlation-id, …): encode each once.
const names = new Map<string, Buffer>();
function headerName(name: string): Buffer {
  let bytes = names.get(name);
  if (!bytes) {
    bytes = Buffer.from(name);
    if (names.size < 1_000) names.set(name, bytes);
  }
  return bytes;
}

export function encodeHeaders(
  headers: Record<string, string | Buffer> | ReadonlyMap<string, Buffer> | undefined,
): Map<Buffer, Buffer> {
  if (!headers) return empty;
  const entries = headers instanceof Map ? headers.entries() : Object.entries(headers);
  // Most records carry no header: no allocation for them.
  if (headers instanceof Map && headers.size === 0) return empty;
  const map = new Map<Buffer, Buffer>();
  for (const [key, value] of entries as Iterable<[string, string | Buffer]>) {
    map.set(headerName(key), Buffer.isBuffer(value) ? value : Buffer.from(value));
  }
  return map;
}

export function decodeHeaders(headers: Map<Buffer, Buffer>): Map<string, Buffer> {
  const map = new Map<string, Buffer>();
  for (const [key, value] of headers) map.set(key.toString(), value);
  return map;
}
