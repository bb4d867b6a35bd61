/**
 * The embedded default of `npm start`: with no WeChat account, a simulator on loopback plays
 * WeChat and the gateway serves its bot account. Its data lives in `<home>/sim/`, started afresh
 * each time (the simulator's own state is in memory), so real accounts are never mixed with it.
 */
import { rmSync } from "node:fs";
import { join } from "node:path";
import { loadConfig } from "../config/index.js";
import { type RunningSimulator, startSimulator } from "../simulator/index.js";
import { ensureHome, openStore, type Store } from "../store/index.js";
import type { OpenedHome } from "./home.js";

export interface EmbeddedSimulator {
  home: OpenedHome;
  chatUrl: string;
  simulator: RunningSimulator;
  close(): Promise<void>;
}

const DEFAULT_SIM_PORT = 8790;

export async function startEmbeddedSimulator(real: OpenedHome, port?: number): Promise<EmbeddedSimulator> {
  const simulator = await startOnPort(port);
  let store: Store | undefined;
  try {
    const simHome = join(real.paths.home, "sim");
    for (const f of ["wxagent.db", "wxagent.db-wal", "wxagent.db-shm"])
      rmSync(join(simHome, f), { force: true });
    const paths = ensureHome(simHome);
    // The gateway runs on this store: group commit, as `openHome` gives it for real accounts.
    store = openStore(paths.dbPath, { groupCommit: true });
    const res = await fetch(`${simulator.url}/sim/accounts`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "wxagent" }),
    });
    if (!res.ok) throw new Error(`the simulator refused to create an account (HTTP ${res.status})`);
    const acct = (await res.json()) as {
      account_id: string;
      token: string;
      base_url: string;
      cdn_base_url: string;
      owner_user_id: string;
    };
    store.accounts.upsert({
      id: acct.account_id,
      baseUrl: acct.base_url,
      cdnBaseUrl: acct.cdn_base_url,
      token: acct.token,
      ownerUserId: acct.owner_user_id,
      name: "wxagent",
      state: "active",
    });
    // The user's own config (agent, model, policies) applies to the simulator session too.
    const home: OpenedHome = { paths, config: loadConfig(real.paths.configPath), store };
    return { home, chatUrl: `${simulator.url}/`, simulator, close: () => simulator.close() };
  } catch (err) {
    await store?.close();
    await simulator.close();
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
