/**
 * One client per service for the gateway's compositions: in this process it calls the
 * service's routes with `app.inject`, remotely with fetch. Every call has a timeout and
 * goes through the service's circuit breaker (opossum); a failure is a ServiceFailure
 * naming the reason. A 4xx is an answer, not a failure: it neither trips the breaker nor
 * throws.
 *
 *   const clients = createClients(app, options);
 *   const res = await clients.get("comment", "/api/comment/posts/…/comments", headers);
 */
import { randomUUID } from "node:crypto";
import type { FastifyInstance } from "fastify";
import CircuitBreaker from "opossum";
import {
  type BreakerOptions,
  defaultBreaker,
  type GatewayOptions,
  type Service,
  servesLocally,
} from "./config.ts";

export type FailureReason = "timeout" | "unavailable" | "circuit_open";

export class ServiceFailure extends Error {
  constructor(
    readonly service: Service,
    readonly reason: FailureReason,
    message: string,
    /** The service's own status when it answered 5xx. */
    readonly status?: number,
  ) {
    super(message);
    this.name = "ServiceFailure";
  }
}

export interface ServiceResponse {
  status: number;
  body: unknown;
}

type Headers = Record<string, string>;
type Transport = (path: string, headers: Headers, signal: AbortSignal) => Promise<ServiceResponse>;

/** Marks the gateway's own in-process calls (the rate limit lets them through). */
export const internalHeader = "x-vobe-internal";

export interface ServiceClients {
  get(service: Service, path: string, headers: Headers): Promise<ServiceResponse>;
  breaker(service: Service): CircuitBreaker<[string, Headers], ServiceResponse>;
  /** The secret value of internalHeader for this process. */
  readonly internalToken: string;
  close(): void;
}

export function createClients(app: FastifyInstance, options: GatewayOptions): ServiceClients {
  const settings: BreakerOptions = { ...defaultBreaker, ...options.breaker };
  const internalToken = randomUUID();
  const breakers = new Map<Service, CircuitBreaker<[string, Headers], ServiceResponse>>();

  const transportOf = (service: Service): Transport => {
    const base = options.services?.[service];
    if (!base || servesLocally(options, service)) {
      return async (path, headers) => {
        const res = await app.inject({
          method: "GET",
          url: path,
          headers: { ...headers, [internalHeader]: internalToken },
        });
        return { status: res.statusCode, body: parse(res.body) };
      };
    }
    return async (path, headers, signal) => {
      const res = await fetch(new URL(path, base), {
        headers: { ...headers, accept: "application/json" },
        signal,
      });
      return { status: res.status, body: parse(await res.text()) };
    };
  };

  const breakerOf = (service: Service) => {
    let breaker = breakers.get(service);
    if (breaker) return breaker;
    const transport = transportOf(service);
    const call = async (path: string, headers: Headers): Promise<ServiceResponse> => {
      const controller = new AbortController();
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          const failure = new ServiceFailure(
            service,
            "timeout",
            `${service} did not answer within ${settings.timeoutMs} ms`,
          );
          controller.abort(failure);
          reject(failure);
        }, settings.timeoutMs);
      });
      try {
        const res = await Promise.race([transport(path, headers, controller.signal), timedOut]);
        if (res.status >= 500) {
          throw new ServiceFailure(
            service,
            "unavailable",
            `${service} answered ${res.status}`,
            res.status,
          );
        }
        return res;
      } catch (error) {
        if (error instanceof ServiceFailure) throw error;
        throw new ServiceFailure(service, "unavailable", `${service}: ${String(error)}`);
      } finally {
        clearTimeout(timer);
      }
    };
    breaker = new CircuitBreaker(call, {
      name: service,
      timeout: false, // the call keeps its own timer (it aborts the fetch)
      errorThresholdPercentage: settings.errorThresholdPercentage,
      volumeThreshold: settings.volumeThreshold,
      rollingCountTimeout: settings.rollingCountTimeoutMs,
      resetTimeout: settings.resetTimeoutMs,
    });
    breaker.on("open", () => app.log.warn({ service }, "circuit opened"));
    breaker.on("close", () => app.log.info({ service }, "circuit closed"));
    breakers.set(service, breaker);
    return breaker;
  };

  return {
    internalToken,
    breaker: breakerOf,
    async get(service, path, headers) {
      try {
        return await breakerOf(service).fire(path, headers);
      } catch (error) {
        if (error instanceof ServiceFailure) throw error;
        if ((error as { code?: string }).code === "EOPENBREAKER") {
          throw new ServiceFailure(service, "circuit_open", `${service}: the circuit is open`);
        }
        throw new ServiceFailure(service, "unavailable", `${service}: ${String(error)}`);
      }
    },
    close() {
      for (const breaker of breakers.values()) breaker.shutdown();
    },
  };
}

function parse(text: string): unknown {
  if (text === "") return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
