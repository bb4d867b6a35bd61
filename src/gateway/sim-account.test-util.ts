/**
 * Tests that run the gateway against an in-process simulator store its bot as an account the
 * way `wxagent accounts add` would; the host is never dialled (the transport uses `sim.fetch`).
 */
import type { TestBot } from "../simulator/testkit.js";
import type { Store } from "../store/types.js";

/** The account row of a simulator bot, as `accounts add` writes it. */
export function simBotAccount(bot: TestBot): Parameters<Store["accounts"]["upsert"]>[0] {
  return {
    id: bot.account_id,
    baseUrl: "http://simulator.local",
    cdnBaseUrl: "http://simulator.local/c2c",
    token: bot.token,
    ownerUserId: bot.owner_user_id,
    state: "active",
  };
}

export function addSimBotAccount(store: Store, bot: TestBot): void {
  store.accounts.upsert(simBotAccount(bot));
}
