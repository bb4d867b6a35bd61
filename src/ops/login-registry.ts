/**
 * QR logins running in the background of this process, by login id. `login_start` creates one
 * and returns as soon as the first QR code is there; `login_status` reads it. Finished logins are
 * forgotten after a while; at most a few run at once (the oldest is cancelled).
 */
import { randomBytes } from "node:crypto";
import type { QrCode } from "../ilink/qr-login.js";
import type { Logger } from "../util/logger.js";

export type LoginState = "waiting" | "scanned" | "confirmed" | "already_bound" | "failed" | "cancelled";

export interface LoginEntry {
  id: string;
  state: LoginState;
  /** The server's last QR status word (`wait`, `scaned`, `confirmed` …). */
  serverStatus: string;
  qr?: QrCode;
  /** How many QR codes were issued (an expired one is replaced, up to 3). */
  qrCount: number;
  accountId?: string;
  ownerUserId?: string;
  /** Accounts marked expired because the same WeChat user logged in again. */
  replaced: string[];
  /** Why it failed, in one sentence (no secrets). */
  error?: string;
  startedAtMs: number;
  updatedAtMs: number;
  readonly abort: AbortController;
}

export const MAX_RUNNING_LOGINS = 3;
export const FORGET_AFTER_MS = 15 * 60_000;

export class LoginRegistry {
  readonly #entries = new Map<string, LoginEntry>();
  readonly #now: () => number;
  readonly #log: Logger;

  constructor(options: { logger: Logger; now: () => number }) {
    this.#now = options.now;
    this.#log = options.logger;
  }

  create(): LoginEntry {
    this.#sweep();
    const running = [...this.#entries.values()].filter((e) => isRunning(e.state));
    while (running.length >= MAX_RUNNING_LOGINS) {
      const oldest = running.shift();
      if (oldest) this.finish(oldest, "cancelled", "replaced by a newer login");
    }
    const now = this.#now();
    const entry: LoginEntry = {
      id: `login-${randomBytes(6).toString("hex")}`,
      state: "waiting",
      serverStatus: "wait",
      qrCount: 0,
      replaced: [],
      startedAtMs: now,
      updatedAtMs: now,
      abort: new AbortController(),
    };
    this.#entries.set(entry.id, entry);
    return entry;
  }

  get(id: string): LoginEntry | undefined {
    this.#sweep();
    return this.#entries.get(id);
  }

  update(entry: LoginEntry, patch: Partial<Pick<LoginEntry, "state" | "serverStatus" | "qr">>): void {
    if (!isRunning(entry.state)) return;
    Object.assign(entry, patch);
    if (patch.qr) entry.qrCount += 1;
    entry.updatedAtMs = this.#now();
  }

  finish(entry: LoginEntry, state: Exclude<LoginState, "waiting" | "scanned">, error?: string): void {
    if (!isRunning(entry.state)) return;
    entry.state = state;
    entry.updatedAtMs = this.#now();
    if (error) entry.error = error;
    if (state === "cancelled") entry.abort.abort(new Error("login cancelled"));
    this.#log.info({ loginId: entry.id, state }, "QR login finished");
  }

  /** Cancel every login still running (shutdown). */
  close(): void {
    for (const e of this.#entries.values()) this.finish(e, "cancelled", "the server stopped");
  }

  #sweep(): void {
    const cutoff = this.#now() - FORGET_AFTER_MS;
    for (const [id, e] of this.#entries) {
      if (!isRunning(e.state) && e.updatedAtMs < cutoff) this.#entries.delete(id);
    }
  }
}

export function isRunning(state: LoginState): boolean {
  return state === "waiting" || state === "scanned";
}
