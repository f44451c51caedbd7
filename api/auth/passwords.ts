import { hash, verify } from "@node-rs/argon2";

// OWASP's argon2id minimum (19 MiB, 2 passes, 1 lane). @node-rs/argon2's default
// algorithm is argon2id; the PHC string records the parameters, so they can be raised later.
const options = { memoryCost: 19_456, timeCost: 2, parallelism: 1 };

export const hashPassword = (password: string) => hash(password, options);

export const passwordMatches = (passwordHash: string, password: string) =>
  verify(passwordHash, password).catch(() => false);

/** Verified against when there is no account, so "no such user" takes as long as "wrong password". */
export const decoyHash = hash("decoy password, never matches", options);
