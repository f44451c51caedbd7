/** One native service of the stack, as the orchestrator in stack.ts drives it. */
export interface NativeService {
  readonly name: string;
  /** Every port it binds on 127.0.0.1: checked free before a start. */
  readonly ports: readonly number[];
  /** Services that must be healthy before this one starts. */
  readonly dependsOn: readonly string[];
  readonly startupTimeoutMs: number;
  /** Fetches artifacts and initialises data once; idempotent and cached. */
  prepare(log: (line: string) => void): Promise<void>;
  /** Spawns the detached process and writes its pid file. */
  start(): Promise<void>;
  healthy(): Promise<boolean>;
  /** One-time provisioning after the first healthy answer (databases, users…); idempotent. */
  provision?(): Promise<void>;
  /** How to stop it gracefully. */
  readonly stopSignal: NodeJS.Signals;
  /** What a client needs to reach it. */
  readonly endpoint: string;
}
