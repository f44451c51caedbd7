/**
 * Who is calling: a JWT (HS256, `jose`) in `Authorization: Bearer …`, issued by login.
 * Routes declare who may call them with an onRequest hook, which runs before the body is
 * parsed: an unauthenticated caller learns nothing about the body's validity.
 *
 *   app.post("/x", { onRequest: auth.require("artist") }, handler)   // request.user is set
 *   app.post("/y", { onRequest: auth.optional() }, handler)          // request.user may be null
 */
import type { FastifyReply, FastifyRequest } from "fastify";
import { errors as joseErrors, jwtVerify, SignJWT } from "jose";
import { forbidden, unauthorized } from "./errors.ts";

export const roles = ["listener", "artist", "admin", "operator"] as const;
export type Role = (typeof roles)[number];

export interface AuthUser {
  userId: string;
  role: Role;
  username: string;
}

declare module "fastify" {
  interface FastifyRequest {
    user: AuthUser | null;
  }
}

const devSecret = "vobe-dev-secret-change-me-vobe-dev-secret";
const issuer = "vobemusic";

/**
 * VOBE_JWT_SECRET, or a development default that production refuses: a known secret lets
 * anyone mint an admin token.
 */
export function jwtSecretFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  const secret = env.VOBE_JWT_SECRET;
  if (secret) {
    if (secret.length < 32) throw new Error("VOBE_JWT_SECRET must be at least 32 characters");
    return secret;
  }
  if (env.NODE_ENV === "production") {
    throw new Error("VOBE_JWT_SECRET is not set; the development default is refused in production");
  }
  return devSecret;
}

/** Whether the account a token names exists now (api/auth/liveness.ts). */
export interface AccountCheck {
  isLive(userId: string): Promise<boolean>;
  markErased(userId: string): void;
  close(): Promise<void>;
}

export interface Auth {
  issue(user: AuthUser): Promise<{ token: string; expiresAt: Date }>;
  /** A valid signature is not enough: the account must exist and not be erased. */
  verify(token: string): Promise<AuthUser>;
  /** An erasure this process accepted: the account's tokens are refused from now on. */
  revoke(userId: string): void;
  close(): Promise<void>;
  require(...allowed: Role[]): (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
  optional(): (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
}

export function createAuth(options: {
  secret: string;
  ttlSeconds?: number;
  /** Absent only where no request is verified (minting tokens in tests and benches). */
  accounts?: AccountCheck;
}): Auth {
  const key = new TextEncoder().encode(options.secret);
  const ttl = options.ttlSeconds ?? 3600;

  const verify = async (token: string): Promise<AuthUser> => {
    const user = await verifySignature(token);
    // Tokens live an hour; an erased (or never registered) account's must not.
    if (options.accounts && !(await options.accounts.isLive(user.userId))) {
      throw unauthorized("account_unknown", "the account this token names does not exist");
    }
    return user;
  };

  const verifySignature = async (token: string): Promise<AuthUser> => {
    try {
      // Pinning the algorithm refuses alg "none" and any other algorithm.
      const { payload } = await jwtVerify(token, key, { algorithms: ["HS256"], issuer });
      const role = payload.role as Role;
      if (typeof payload.sub !== "string" || !roles.includes(role)) {
        throw unauthorized("token_invalid", "the token does not name a user and a role");
      }
      return { userId: payload.sub, role, username: String(payload.username ?? "") };
    } catch (error) {
      if (error instanceof joseErrors.JWTExpired) {
        throw unauthorized("token_expired", "the token has expired; log in again");
      }
      if (error instanceof joseErrors.JOSEError) {
        throw unauthorized("token_invalid", "the token is not valid; log in again");
      }
      throw error;
    }
  };

  const fromHeader = async (request: FastifyRequest): Promise<AuthUser | null> => {
    const header = request.headers.authorization;
    if (header === undefined) return null;
    const match = /^Bearer ([A-Za-z0-9_.-]+)$/.exec(header);
    if (!match?.[1]) throw unauthorized("token_invalid", "expected Authorization: Bearer <token>");
    return verify(match[1]);
  };

  return {
    async issue(user) {
      const expiresAt = new Date((Math.floor(Date.now() / 1000) + ttl) * 1000);
      const token = await new SignJWT({ role: user.role, username: user.username })
        .setProtectedHeader({ alg: "HS256" })
        .setSubject(user.userId)
        .setIssuer(issuer)
        .setIssuedAt()
        .setExpirationTime(Math.floor(expiresAt.getTime() / 1000))
        .sign(key);
      return { token, expiresAt };
    },
    verify,
    revoke: (userId) => options.accounts?.markErased(userId),
    close: async () => options.accounts?.close(),
    require:
      (...allowed) =>
      async (request) => {
        const user = await fromHeader(request);
        if (!user) throw unauthorized("token_missing", "sign in: this needs a bearer token");
        if (allowed.length > 0 && !allowed.includes(user.role)) {
          throw forbidden("role_forbidden", `this needs the role ${allowed.join(" or ")}`);
        }
        request.user = user;
      },
    optional: () => async (request) => {
      // A token that is sent must be valid: a forged one is refused, not ignored.
      request.user = await fromHeader(request);
    },
  };
}
