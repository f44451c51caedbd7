/** Header values on the wire are bytes; strings are UTF-8. */
export function encodeHeaders(
  headers: Record<string, string | Buffer> | undefined,
): Map<Buffer, Buffer> {
  const map = new Map<Buffer, Buffer>();
  for (const [key, value] of Object.entries(headers ?? {})) {
    map.set(Buffer.from(key), Buffer.isBuffer(value) ? value : Buffer.from(value));
  }
  return map;
}

export function decodeHeaders(headers: Map<Buffer, Buffer>): Map<string, Buffer> {
  const map = new Map<string, Buffer>();
  for (const [key, value] of headers) map.set(key.toString(), value);
  return map;
}
