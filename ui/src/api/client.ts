/**
 * A typed fetch over the API's OpenAPI paths (schema.d.ts is generated from /api/openapi.json:
 * `npm run ui:api-types`). Paths, parameters, bodies and answers are checked by the compiler;
 * a non-2xx answer becomes an ApiError carrying the API's error code.
 *
 *   const album = await api.get("/api/artist/albums/{id}", { path: { id } });
 *   const accepted = await api.send("post", "/api/feedback/", { body: { category, message } });
 */
import type { paths } from "./schema";

type Method = "get" | "post" | "put" | "patch" | "delete";
type Json<R> = R extends { content: { "application/json": infer J } } ? J : undefined;
type Op<P extends keyof paths, M extends Method> = paths[P] extends Record<M, infer O> ? O : never;
type Success<O> = O extends { responses: infer R }
  ? Json<R[Extract<keyof R, 200 | 201 | 202>]>
  : never;
type Params<O, K extends "path" | "query"> = O extends { parameters: { [k in K]?: infer X } }
  ? NonNullable<X>
  : never;
type Body<O> = O extends { requestBody: { content: { "application/json": infer B } } } ? B : never;

export type PathsWith<M extends Method> = {
  [P in keyof paths]: paths[P] extends Record<M, unknown> ? P : never;
}[keyof paths];
export type Answer<P extends keyof paths, M extends Method = "get"> = Success<Op<P, M>>;

interface Options<O> {
  path?: Params<O, "path">;
  query?: Params<O, "query">;
  body?: Body<O>;
  signal?: AbortSignal;
}

export interface ErrorField {
  path: string;
  message: string;
}

/** The API's `{ error: { code, message, fields? } }`, or a network failure (code "network"). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields: ErrorField[] = [],
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

let token: string | undefined;
/** The session's bearer token, sent with every request once set. */
export const setToken = (value: string | undefined) => {
  token = value;
};
/** For the few requests fetch cannot make (an upload with progress: XMLHttpRequest). */
export const currentToken = () => token;

function url(path: string, options: Options<unknown>): string {
  const params = (options.path ?? {}) as Record<string, string>;
  const filled = path.replace(/\{(\w+)\}/g, (_, name: string) =>
    encodeURIComponent(String(params[name])),
  );
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries((options.query ?? {}) as Record<string, unknown>)) {
    if (value !== undefined && value !== null && value !== "") query.set(key, String(value));
  }
  const qs = query.toString();
  return qs ? `${filled}?${qs}` : filled;
}

async function call(method: Method, path: string, options: Options<unknown>): Promise<unknown> {
  const headers: Record<string, string> = { accept: "application/json" };
  if (token) headers.authorization = `Bearer ${token}`;
  if (options.body !== undefined) headers["content-type"] = "application/json";
  let res: Response;
  try {
    res = await fetch(url(path, options), {
      method: method.toUpperCase(),
      headers,
      ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } catch (error) {
    if (error instanceof DOMException && error.name === "AbortError") throw error;
    throw new ApiError(0, "network", String(error));
  }
  const text = await res.text();
  const json = text ? safeJson(text) : undefined;
  if (!res.ok) {
    const error = (json as { error?: { code?: string; message?: string; fields?: ErrorField[] } })
      ?.error;
    const retry = Number(res.headers.get("retry-after"));
    throw new ApiError(
      res.status,
      error?.code ?? `http_${res.status}`,
      error?.message ?? res.statusText,
      error?.fields ?? [],
      Number.isFinite(retry) && retry > 0 ? retry : undefined,
    );
  }
  return json;
}

const safeJson = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};

export const api = {
  get<P extends PathsWith<"get">>(path: P, options: Options<Op<P, "get">> = {}) {
    return call("get", path, options as Options<unknown>) as Promise<Answer<P, "get">>;
  },
  send<M extends Exclude<Method, "get">, P extends PathsWith<M>>(
    method: M,
    path: P,
    options: Options<Op<P, M>> = {},
  ) {
    return call(method, path, options as Options<unknown>) as Promise<Answer<P, M>>;
  },
};

/** `after=` for a read: the positions a command's 202 answered with. */
export function positionsOf(accepted: unknown): string | undefined {
  const a = accepted as {
    topic?: string;
    partition?: number;
    offset?: string;
    events?: Array<{ topic: string; partition: number; offset: string }>;
    position?: string;
  };
  if (typeof a?.position === "string") return a.position;
  const list =
    a?.events ?? (a?.topic ? [a as { topic: string; partition: number; offset: string }] : []);
  return list.length
    ? list.map((e) => `${e.topic}:${e.partition}:${e.offset}`).join(",")
    : undefined;
}
