/**
 * One poller per bot token across processes. Two pollers on one token steal each other's
 * messages and the server answers one of them with -14 (reported by other bridges: hermes #17198, #15115), so
 * `wxagent start` takes a lock file per account before polling.
 *
 * The lock is `<home>/locks/<sha256 prefix>.lock`, created atomically (`wx`), holding the owner's
 * pid, hostname, start time and command. A lock whose pid is dead on this host is stale and taken
 * over; a live one is refused with the pid and command to stop. The file name is a hash so a
 * token never appears in a path.
 */
import { createHash } from "node:crypto";
import { chmodSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { createLogger, redactText } from "../util/logger.js";
import { StoreError } from "./errors.js";

const log = createLogger("store:lock");

export interface LockInfo {
  pid: number;
  hostname: string;
  startedAtMs: number;
  command: string;
}

export interface TokenLock {
  readonly path: string;
  release(): void;
}

export interface AcquireLockOptions {
  /** The bot token: two account ids sharing one token still share one lock. Only its hash is used. */
  token?: string;
  /** Shown to whoever finds the lock taken (default: this process's argv, shortened). */
  command?: string;
  /** Clock (default `Date.now`). */
  now?: () => number;
}

export function lockPath(home: string, key: string): string {
  const digest = createHash("sha256").update(key).digest("hex").slice(0, 16);
  return join(home, "locks", `${digest}.lock`);
}

/** Take the poller lock for `accountId`, or throw `StoreError` `ACCOUNT_LOCKED`. */
export function acquireTokenLock(
  home: string,
  accountId: string,
  options: AcquireLockOptions = {},
): TokenLock {
  const dir = join(home, "locks");
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const path = lockPath(home, options.token || accountId);
  const mine: LockInfo = {
    pid: process.pid,
    hostname: hostname(),
    startedAtMs: (options.now ?? Date.now)(),
    // The command is shown to other processes and in errors: never let a secret ride along in it.
    command: redactText(options.command ?? defaultCommand(), options.token ? [options.token] : []),
  };
  const body = `${JSON.stringify(mine)}\n`;

  // A few rounds: each round either creates the file, or finds a holder that is alive (refuse)
  // or dead (remove and retry). Losing a takeover race to another process just means another round.
  for (let round = 0; round < 5; round++) {
    try {
      writeFileSync(path, body, { flag: "wx", mode: 0o600 });
      chmodSync(path, 0o600);
      return { path, release: () => release(path, mine) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
    const raw = readRaw(path);
    if (raw === undefined) continue; // released between our attempt and the read
    const holder = parseLock(raw);
    if (holder && isAlive(holder)) {
      throw new StoreError(
        "ACCOUNT_LOCKED",
        `account ${accountId} is already polled by pid ${holder.pid}${holder.hostname !== mine.hostname ? ` on ${holder.hostname}` : ""} (${holder.command}); stop it first`,
      );
    }
    // Stale (dead pid) or unreadable (a writer crashed mid-write). Remove it only if it is still
    // the file we judged, so we never delete a lock another process has just taken over.
    if (readRaw(path) === raw) {
      log.warn({ path, stalePid: holder?.pid, accountId }, "taking over a stale poller lock");
      try {
        unlinkSync(path);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
      }
    }
  }
  throw new StoreError(
    "ACCOUNT_LOCKED",
    `account ${accountId}: could not take the poller lock ${path} (contended); retry, or remove the file if no wxagent runs`,
  );
}

/** Who holds the lock for `accountId` (or token), if anyone; stale holders included. */
export function readTokenLock(home: string, key: string): LockInfo | undefined {
  const raw = readRaw(lockPath(home, key));
  return raw === undefined ? undefined : parseLock(raw);
}

/**
 * Who polls the account right now: the lock's holder when it is alive (a holder on another host
 * counts as alive, as `acquireTokenLock` judges it), else undefined.
 */
export function liveTokenLock(home: string, key: string): LockInfo | undefined {
  const holder = readTokenLock(home, key);
  return holder && isAlive(holder) ? holder : undefined;
}

function release(path: string, mine: LockInfo): void {
  // Only remove our own lock: after a takeover, the file may belong to someone else.
  const holder = parseLock(readRaw(path) ?? "");
  if (
    holder &&
    holder.pid === mine.pid &&
    holder.startedAtMs === mine.startedAtMs &&
    holder.hostname === mine.hostname
  ) {
    try {
      unlinkSync(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    }
  }
}

function readRaw(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
}

function parseLock(raw: string): LockInfo | undefined {
  try {
    const v = JSON.parse(raw) as Partial<LockInfo>;
    if (typeof v.pid !== "number" || !Number.isInteger(v.pid) || v.pid <= 0) return undefined;
    return {
      pid: v.pid,
      hostname: typeof v.hostname === "string" ? v.hostname : "",
      startedAtMs: typeof v.startedAtMs === "number" ? v.startedAtMs : 0,
      command: typeof v.command === "string" ? v.command : "unknown command",
    };
  } catch {
    return undefined;
  }
}

/** A pid on another host cannot be probed: treat it as alive rather than steal its lock. */
function isAlive(holder: LockInfo): boolean {
  if (holder.hostname && holder.hostname !== hostname()) return true;
  try {
    process.kill(holder.pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to another user.
    return (err as NodeJS.ErrnoException).code !== "ESRCH";
  }
}

function defaultCommand(): string {
  const argv = process.argv.slice(1);
  const args = argv.map((a, i) =>
    /^--?(token|api-?key|password|secret)$/i.test(argv[i - 1] ?? "")
      ? "[redacted]"
      : (a.split("/").pop() ?? a),
  );
  return args.join(" ").slice(0, 120) || "node";
}
