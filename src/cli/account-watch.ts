/**
 * The running gateway's eye on the store. An account added while it runs (`wxagent login` in
 * another terminal, the admin UI's QR login, a bot made on the embedded simulator's chat page)
 * or logged in again after -14 is polled at once, with one line on stderr. Each account is
 * polled under its token's lock file; one that another process polls is named once, not on
 * every look.
 */
import type { Gateway } from "../gateway/gateway.js";
import { messageOf } from "../shared/wx-error.js";
import { type AsyncStore, toAsyncStore } from "../store/async.js";
import { acquireTokenLock, isStoreError, type TokenLock } from "../store/index.js";
import type { Account, Store } from "../store/types.js";
import { CliError } from "./errors.js";

/** How often the store is looked at besides the wake-ups (a login made by another process). */
export const ACCOUNT_WATCH_MS = 2000;

export interface AccountWatch {
  /** Lock an account before the gateway starts; throws `CliError` when another process polls it. */
  lock(account: Account): void;
  /** Look every `intervalMs` from now on. */
  start(): void;
  /** Look now (a login was just saved in this process); a look that fails is said, not thrown. */
  check(): void;
  /** Stop looking. */
  stop(): void;
  /** Let go of every lock (after the gateway stopped). */
  release(): void;
}

export interface AccountWatchOptions {
  /** A SQLite store (wrapped with `toAsyncStore`) or an async one. */
  store: Store | AsyncStore;
  home: string;
  gateway: Gateway;
  /** `--account`: only these. */
  only?: readonly string[] | undefined;
  /** One line for the person at the terminal. */
  say: (line: string) => void;
  intervalMs?: number;
}

const IDLE = new Set(["expired", "stopped"]);

export function watchAccounts(o: AccountWatchOptions): AccountWatch {
  const store = toAsyncStore(o.store);
  const locks = new Map<string, { token: string; lock: TokenLock }>();
  /** Accounts found polled elsewhere, by the token that was: named once per token. */
  const named = new Map<string, string>();
  const starting = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  const take = (a: Account): void => {
    const held = locks.get(a.id);
    if (held?.token === a.token) return;
    const lock = acquireTokenLock(o.home, a.id, { token: a.token, command: "wxagent start" });
    held?.lock.release();
    locks.set(a.id, { token: a.token, lock });
  };

  const look = async (): Promise<void> => {
    if (stopped) return;
    const accounts = await store.accounts.list();
    if (stopped) return;
    const polled = o.gateway.pollingStates();
    for (const a of accounts) {
      if (a.state !== "active" || (o.only?.length && !o.only.includes(a.id))) continue;
      const polling = polled.get(a.id);
      if ((polling && !IDLE.has(polling)) || starting.has(a.id)) continue;
      try {
        take(a);
      } catch (err) {
        if (!isStoreError(err, "ACCOUNT_LOCKED")) throw err;
        if (named.get(a.id) !== a.token) o.say(`${err.message}; not polled here`);
        named.set(a.id, a.token);
        continue;
      }
      named.delete(a.id);
      const again = polling !== undefined; // it had a poller: a new login
      starting.add(a.id);
      void o.gateway
        .resume(a.id)
        .then((ok) => {
          if (!ok) return;
          const what = a.simulated ? "simulated account" : "account";
          o.say(
            again
              ? `${what} ${a.id} is polling again (new login)`
              : `${what} ${a.id} added while running: polling it now`,
          );
        })
        .finally(() => starting.delete(a.id));
    }
  };

  const check = (): void => {
    // Called from timers and callbacks that cannot wait: the look runs behind, a failure is said.
    void look().catch((err: unknown) => o.say(`looking for new accounts failed: ${messageOf(err)}`));
  };

  return {
    lock(a) {
      try {
        take(a);
      } catch (err) {
        if (isStoreError(err, "ACCOUNT_LOCKED")) throw new CliError(err.message);
        throw err;
      }
    },
    start() {
      if (!stopped) timer ??= setInterval(check, o.intervalMs ?? ACCOUNT_WATCH_MS);
    },
    check,
    stop() {
      stopped = true;
      clearInterval(timer);
    },
    release() {
      for (const { lock } of locks.values()) lock.release();
      locks.clear();
    },
  };
}
