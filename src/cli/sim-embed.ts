/**
 * The embedded default of `npm start`: with no WeChat account, a simulator on loopback plays
 * WeChat and the gateway serves its bot account. The account is kept in the one home beside any
 * real one, marked simulated, so `wxagent status`, `accounts`, `history` and `doctor` in another
 * terminal see the session; it is forgotten once its simulator is gone (see sim-home.ts).
 * Every bot the simulator makes without QR (the chat page's "Create bot account") is saved the
 * same way and handed to `onAccount`, so the running gateway serves it at once.
 */

import { messageOf } from "../shared/wx-error.js";
import { type RunningSimulator, type SimEvent, startSimulator } from "../simulator/index.js";
import { type AsyncStore, toAsyncStore } from "../store/async.js";
import type { Account, Store } from "../store/types.js";
import { createLogger } from "../util/logger.js";

export interface EmbeddedSimulator {
  /** The chat page. */
  chatUrl: string;
  simulator: RunningSimulator;
  /** The bot account made at start (named "wxagent", owned by the chat page's first user). */
  account: Account;
  close(): Promise<void>;
}

export interface EmbedOptions {
  port?: number | undefined;
  /** A bot the simulator made while running was saved in the store. */
  onAccount?: (account: Account) => void;
}

const DEFAULT_SIM_PORT = 8790;
const log = createLogger("sim-embed");

export async function startEmbeddedSimulator(
  store: Store | AsyncStore,
  options: EmbedOptions = {},
): Promise<EmbeddedSimulator> {
  const db = toAsyncStore(store);
  const running = await startOnPort(options.port);
  const { state } = running.simulator;
  try {
    // QR logins are saved by whoever logged in (`wxagent login`, the admin UI); a bot made without
    // QR has no one else who knows its token.
    const adopt = async (id: string): Promise<Account | undefined> => {
      const a = state.accounts.get(id);
      if (!a) return undefined;
      return db.accounts.upsert({
        id: a.account_id,
        baseUrl: running.url,
        cdnBaseUrl: `${running.url}/c2c`,
        token: a.token,
        ownerUserId: a.owner_user_id,
        name: a.name,
        state: "active",
        simulated: true,
      });
    };
    let first: string | undefined;
    const listener = (event: SimEvent): void => {
      if (event.type !== "account.created" || event.data.via !== "control") return;
      const id = String(event.data.account_id);
      if (first === undefined) return;
      // The listener is synchronous: the bot is saved (and handed on) behind it.
      void adopt(id)
        .then((saved) => {
          if (saved) options.onAccount?.(saved);
        })
        .catch((err: unknown) => {
          log.error({ accountId: id, err: messageOf(err) }, "could not save the simulator's new bot");
        });
    };
    state.listeners.add(listener);
    const res = await running.simulator.fetch("/sim/accounts", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "wxagent" }),
    });
    if (!res.ok) throw new Error(`the simulator refused to create an account (HTTP ${res.status})`);
    first = String(((await res.json()) as { account_id: string }).account_id);
    const account = await adopt(first);
    if (!account) throw new Error("the simulator lost the account it just made");
    return { chatUrl: `${running.url}/`, simulator: running, account, close: () => running.close() };
  } catch (err) {
    await running.close();
    throw err;
  }
}

async function startOnPort(port: number | undefined): Promise<RunningSimulator> {
  if (port !== undefined) return startSimulator({ port });
  try {
    return await startSimulator({ port: DEFAULT_SIM_PORT });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EADDRINUSE") throw err;
    return startSimulator({ port: 0 });
  }
}
