// The contract every service of the local stack fulfils. The manager (stack/manager.ts) installs,
// starts, health-checks and stops services only through this interface.
import type { VitrinaConfig } from '../platform/config.ts';

export interface StackContext {
  config: VitrinaConfig;
  /** Where this service's pinned installation lives: <cacheDir>/<name>/<version>. */
  installDir: string;
  /** Where this service keeps its data, pid file and log: <stateDir>/<name>. */
  dataDir: string;
  /** Log file the service's stdout and stderr go to. */
  logFile: string;
  /** Progress lines for the user ("resolving Kafka jars with Maven ..."). */
  log: (line: string) => void;
}

export interface Health {
  ok: boolean;
  detail: string;
}

/** A toolchain a service needs on PATH to install or run, and how to get it when it is missing. */
export interface Tool {
  command: string;
  versionArgs: string[];
  fix: string;
}

export interface Service {
  readonly name: string;
  /** The cache folder of its installation, when it shares one with another service (default its name). */
  readonly installName?: string;
  /** The exact pinned version installed and reported by `status`. */
  readonly version: string;
  readonly tools: Tool[];
  /** Loopback ports the service listens on; `up` refuses to start it when one is taken. */
  ports(ctx: StackContext): number[];
  /** True when the installation in ctx.installDir is complete (a marker written last). */
  isInstalled(ctx: StackContext): boolean;
  /** Installs into ctx.installDir; must leave no marker unless complete. */
  install(ctx: StackContext): Promise<void>;
  /** Spawns the service (detached) and returns its command line; the manager records the PID. */
  command(ctx: StackContext): Promise<LaunchSpec>;
  health(ctx: StackContext): Promise<Health>;
  /**
   * What `up` waits for before it starts the next service (default: health). A service whose health
   * needs services started after it (a node of a Kafka cluster needs a quorum) answers earlier.
   */
  launched?(ctx: StackContext): Promise<Health>;
  /** Work after the service is healthy (buckets, topics, users); idempotent. */
  afterStart?(ctx: StackContext): Promise<void>;
  /** Environment variables (name → value) clients use to reach this service. */
  env(ctx: StackContext): Record<string, string>;
  /** How long `up` waits for health before it gives up. */
  readonly startTimeoutMs: number;
  /** The signal that stops the service promptly (default SIGTERM). */
  readonly stopSignal?: NodeJS.Signals;
}

export interface LaunchSpec {
  command: string;
  args: string[];
  env?: Record<string, string>;
  cwd?: string;
}

/** A failure the user can act on: one line naming the cause and the fix. */
export class StackError extends Error {
  constructor(
    message: string,
    readonly fix: string,
  ) {
    super(message);
    this.name = 'StackError';
  }
}
