/**
 * The parts of the Confluent Schema Registry REST API that @kafkajs/confluent-schema-registry
 * does not expose: per-subject compatibility, lookup without registering, compatibility
 * checks, version history and subject deletion. Apicurio 3.0.9's ccompat/v7 answers all of
 * them (tests/integration/topics-apply.test.ts, schemas-check.test.ts prove it).
 */

export type CompatibilityLevel =
  | "NONE"
  | "BACKWARD"
  | "BACKWARD_TRANSITIVE"
  | "FORWARD"
  | "FORWARD_TRANSITIVE"
  | "FULL"
  | "FULL_TRANSITIVE";

export interface RegisteredVersion {
  subject: string;
  version: number;
  id: number;
  schema: string;
}

/** A refusal by the registry, with its HTTP status (409: incompatible, 422: invalid schema). */
export class RegistryHttpError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: number | undefined,
    message: string,
  ) {
    super(message);
    this.name = "RegistryHttpError";
  }
}

/**
 * No answer from the registry at all (nothing listens, or no answer within the timeout):
 * producers and consumers go on from their caches, but nothing new can be looked up or
 * registered until it is back.
 */
export class RegistryUnavailableError extends Error {
  constructor(baseUrl: string, what: string, cause: unknown) {
    const reason = (cause as { cause?: { code?: string } })?.cause?.code ?? String(cause);
    super(`schema registry at ${baseUrl} is unreachable (${reason}): ${what} failed`, { cause });
    this.name = "RegistryUnavailableError";
  }
}

export interface RegistryApi {
  /** The subject's own level; null when it has none (the global default applies). */
  subjectCompatibility(subject: string): Promise<CompatibilityLevel | null>;
  globalCompatibility(): Promise<CompatibilityLevel>;
  setSubjectCompatibility(subject: string, level: CompatibilityLevel): Promise<void>;
  /** The id of this exact schema under the subject, or null when it is not registered there. */
  lookup(subject: string, schema: string): Promise<number | null>;
  register(subject: string, schema: string): Promise<number>;
  /** Every version of the subject, oldest first; empty when the subject does not exist. */
  versions(subject: string): Promise<RegisteredVersion[]>;
  /** The registry's own verdict on registering this schema next, under the subject's level. */
  isCompatibleWithLatest(subject: string, schema: string): Promise<boolean>;
  /** Soft then hard delete: the subject, its versions and its config are gone. */
  deleteSubject(subject: string): Promise<void>;
  /** Every subject's name (the operator console lists them). */
  subjects(): Promise<string[]>;
  /** The subject's version numbers, oldest first; empty when the subject does not exist. */
  versionNumbers(subject: string): Promise<number[]>;
  /** One version of the subject; null when it does not exist. */
  version(subject: string, version: number): Promise<RegisteredVersion | null>;
}

const contentType = "application/vnd.schemaregistry.v1+json";

export function registryApi(baseUrl: string): RegistryApi {
  const base = baseUrl.replace(/\/+$/, "");
  const path = (...parts: string[]) => parts.map(encodeURIComponent).join("/");

  const call = async <T>(
    method: string,
    url: string,
    body?: unknown,
  ): Promise<{ status: number; data: T | null }> => {
    let response: Response;
    try {
      response = await fetch(`${base}/${url}`, {
        method,
        headers: { "content-type": contentType, accept: contentType },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(15_000),
      });
    } catch (error) {
      throw new RegistryUnavailableError(base, `${method} ${url}`, error);
    }
    const text = await response.text();
    const data = text ? (JSON.parse(text) as T) : null;
    if (response.status === 404) return { status: 404, data: null };
    if (!response.ok) {
      const { message, error_code } = (data ?? {}) as { message?: string; error_code?: number };
      throw new RegistryHttpError(
        response.status,
        error_code,
        `${method} ${url}: HTTP ${response.status}: ${message ?? text}`,
      );
    }
    return { status: response.status, data };
  };

  return {
    async subjectCompatibility(subject) {
      const { data } = await call<{ compatibilityLevel: CompatibilityLevel }>(
        "GET",
        path("config", subject),
      );
      return data?.compatibilityLevel ?? null;
    },

    async globalCompatibility() {
      const { data } = await call<{ compatibilityLevel: CompatibilityLevel }>("GET", "config");
      return data?.compatibilityLevel ?? "NONE";
    },

    async setSubjectCompatibility(subject, level) {
      await call("PUT", path("config", subject), { compatibility: level });
    },

    async lookup(subject, schema) {
      const { data } = await call<{ id: number }>("POST", path("subjects", subject), { schema });
      return data?.id ?? null;
    },

    async register(subject, schema) {
      const { data } = await call<{ id: number }>("POST", `${path("subjects", subject)}/versions`, {
        schema,
      });
      if (!data) throw new Error(`registering under ${subject}: the registry answered 404`);
      return data.id;
    },

    async versions(subject) {
      const { data: numbers } = await call<number[]>(
        "GET",
        `${path("subjects", subject)}/versions`,
      );
      const versions: RegisteredVersion[] = [];
      for (const version of numbers ?? []) {
        const { data } = await call<RegisteredVersion>(
          "GET",
          `${path("subjects", subject)}/versions/${version}`,
        );
        if (data) versions.push(data);
      }
      return versions;
    },

    async isCompatibleWithLatest(subject, schema) {
      const { data } = await call<{ is_compatible: boolean }>(
        "POST",
        `${path("compatibility", "subjects", subject)}/versions/latest`,
        { schema },
      );
      // No version yet: anything is compatible with nothing.
      return data?.is_compatible ?? true;
    },

    async deleteSubject(subject) {
      await call("DELETE", path("subjects", subject));
      await call("DELETE", `${path("subjects", subject)}?permanent=true`);
    },

    async subjects() {
      const { data } = await call<string[]>("GET", "subjects");
      return data ?? [];
    },

    async versionNumbers(subject) {
      const { data } = await call<number[]>("GET", `${path("subjects", subject)}/versions`);
      return data ?? [];
    },

    async version(subject, version) {
      const { data } = await call<RegisteredVersion>(
        "GET",
        `${path("subjects", subject)}/versions/${version}`,
      );
      return data;
    },
  };
}
