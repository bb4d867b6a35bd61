/**
 * The benchmarks' side of bench/sim-child.ts: spawns the simulator and load generator in a child
 * process (so their work is not counted against the gateway) and talks to it over IPC.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { AfterAnswer, RunAnswer, TrafficAnswer } from "./sim-child.js";

const here = dirname(fileURLToPath(import.meta.url));

export interface SimAccount {
  account_id: string;
  token: string;
  base_url: string;
  cdn_base_url: string;
  owner_user_id: string;
}

/** The simulator account as a stored, active wxagent account (what `wxagent accounts add` saves). */
export function storedAccount(a: SimAccount) {
  return {
    id: a.account_id,
    baseUrl: a.base_url,
    cdnBaseUrl: a.cdn_base_url,
    token: a.token,
    ownerUserId: a.owner_user_id,
    state: "active" as const,
  };
}

export class SimChild {
  readonly #child: ChildProcess;
  readonly #waiting = new Map<number, (answer: Record<string, unknown>) => void>();
  #next = 1;
  readonly ready: Promise<string>;

  constructor() {
    this.#child = spawn(process.execPath, ["--import", "tsx", join(here, "sim-child.ts")], {
      stdio: ["ignore", "inherit", "inherit", "ipc"],
      env: { ...process.env, WXAGENT_LOG_LEVEL: "silent" },
    });
    this.ready = new Promise((resolve, reject) => {
      this.#waiting.set(0, (a) => resolve(a.url as string));
      this.#child.once("exit", (code) => reject(new Error(`simulator child exited (${code})`)));
    });
    this.#child.on("message", (raw) => {
      const a = raw as Record<string, unknown>;
      const done = this.#waiting.get(a.id as number);
      this.#waiting.delete(a.id as number);
      done?.(a);
    });
  }

  /** One request; with `timeoutMs`, rejects when no answer came within it. */
  call(cmd: Record<string, unknown>, timeoutMs?: number): Promise<Record<string, unknown>> {
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      const timer =
        timeoutMs === undefined
          ? undefined
          : setTimeout(() => {
              this.#waiting.delete(id);
              reject(new Error(`simulator child: no answer to ${String(cmd.cmd)} within ${timeoutMs} ms`));
            }, timeoutMs);
      this.#waiting.set(id, (a) => {
        clearTimeout(timer);
        if (a.error) reject(new Error(String(a.error)));
        else resolve(a);
      });
      this.#child.send({ ...cmd, id });
    });
  }

  async account(): Promise<SimAccount> {
    return (await this.call({ cmd: "account" })).account as SimAccount;
  }

  run(o: { accountId: string; tag: string; contacts: number; perContact: number; intervalMs?: number }) {
    return this.call({ cmd: "run", intervalMs: 0, timeoutMs: 60_000, ...o }) as unknown as Promise<RunAnswer>;
  }

  /** `count` new bot accounts, made one after another. */
  async accounts(count: number): Promise<SimAccount[]> {
    return (await this.call({ cmd: "accounts", count })).accounts as SimAccount[];
  }

  /** How many accounts (of `accountIds`, or all) have a long-poll held open. */
  async openPolls(accountIds?: string[]): Promise<number> {
    return (await this.call({ cmd: "polls", ...(accountIds ? { accountIds } : {}) }, 10_000)).open as number;
  }

  /** Each account's `contacts` contacts write `perContact` messages each, all at once. */
  grid(o: {
    accountIds: string[];
    tag: string;
    contacts: number;
    perContact: number;
    timeoutMs: number;
    idleMs?: number;
  }) {
    return this.call(
      { cmd: "run", accountId: "", intervalMs: 0, perAccount: true, ...o },
      o.timeoutMs + 10_000,
    ) as unknown as Promise<RunAnswer>;
  }

  /** Steady failover traffic on `accountIds` (see sim-child.ts, TrafficRequest). */
  traffic(o: { accountIds: string[]; intervalMs: number; tag: string }): Promise<unknown> {
    return this.call({ cmd: "traffic", ...o }, 10_000);
  }

  /** A probe into each of `accountIds` right after a kill at `sinceMs` (see sim-child.ts, AfterRequest). */
  after(o: { accountIds: string[]; sinceMs: number; timeoutMs: number }) {
    return this.call({ cmd: "after", ...o }, o.timeoutMs + 10_000) as unknown as Promise<AfterAnswer>;
  }

  /** Stops the traffic; resolves once all of it is answered (or after `timeoutMs`). */
  trafficStop(timeoutMs: number) {
    return this.call(
      { cmd: "traffic-stop", timeoutMs },
      timeoutMs + 10_000,
    ) as unknown as Promise<TrafficAnswer>;
  }

  /**
   * Which of `texts` the simulator has received as a reply by now (in any run), and which are
   * still in their bot's queue (no poll has acknowledged them).
   */
  async answered(texts: string[]): Promise<{ answered: string[]; queued: string[] }> {
    const a = await this.call({ cmd: "answered", texts }, 30_000);
    return { answered: a.answered as string[], queued: a.queued as string[] };
  }

  /** SIGKILL the child (the cleanup of a failed run). */
  kill(): void {
    if (this.#child.exitCode === null && this.#child.signalCode === null) this.#child.kill("SIGKILL");
  }

  /** One message to each account at once (from its owner); resolves when all are answered. */
  spread(o: { accountIds: string[]; tag: string; timeoutMs?: number }) {
    return this.call({
      cmd: "run",
      accountId: "",
      contacts: 1,
      perContact: 1,
      intervalMs: 0,
      timeoutMs: 60_000,
      ...o,
    }) as unknown as Promise<RunAnswer>;
  }

  close(): Promise<unknown> {
    return this.call({ cmd: "close" });
  }
}
