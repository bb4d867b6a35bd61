/**
 * The gateway as `wxagent start` wires it (built-in agent, media, /unlock), against the simulator,
 * with a scripted model (the fake OpenAI server), for attacks made as a contact would make them.
 * `homeVia: "symlink"` reaches `$WXAGENT_HOME` through a symlink, as a home under a linked
 * directory does, so both spellings of a workspace can be looked for in what contacts see.
 */

import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "vitest";
import {
  type FakeOpenAI,
  startFakeOpenAI,
  toolResults,
} from "../../src/agent/builtin/testing/fake-openai.js";
import type { Agent } from "../../src/agent/types.js";
import { workspaceDirFor } from "../../src/agent/workspace.js";
import { type AgentChoice, buildAgent } from "../../src/cli/agents.js";
import { mediaWiring, unlockWiring } from "../../src/cli/gateway-wiring.js";
import { type Config, configSchema } from "../../src/config/index.js";
import { createGateway, createILinkTransport, type Gateway } from "../../src/gateway/index.js";
import { createAccessPolicy, profileResolver } from "../../src/gateway/policy/index.js";
import { createSimulator, type Simulator } from "../../src/simulator/index.js";
import { control, newBot, waitFor } from "../../src/simulator/testkit.js";
import { asyncStore } from "../../src/store/async.js";
import { ensureHome, type HomePaths } from "../../src/store/index.js";
import { openStore } from "../../src/store/sqlite.js";
import type { Store } from "../../src/store/types.js";

export const RIG_KEY_ENV = "WXAGENT_SEC_RIG_MODEL_KEY";

export interface RigOptions {
  /** The `permissions` section of config.json. */
  permissions: Record<string, unknown>;
  /** Reach `$WXAGENT_HOME` through a symlink (`home` is then the link, `realHome` its target). */
  homeVia?: "symlink";
  /** Written to `$WXAGENT_HOME/admin-token`. */
  adminToken?: string;
  /** More of config.json (beside `agent`, `builtin` and `permissions`), e.g. `defaults`, `media`. */
  config?: Record<string, unknown>;
  /** Also write config.json (with `adminToken`) to `$WXAGENT_HOME`, as a user's machine has it. */
  writeConfig?: boolean;
  /** Default `open`. */
  dmPolicy?: "open" | "pairing";
  /** Bubbles per context token (default `gateway.quotaPerToken` of the config). */
  quota?: number;
  seed?: number;
  /** The owner writes once first (a command, no model turn), so the bot may write to them. */
  ownerWritesFirst?: boolean;
}

export interface SimMessage {
  direction: "inbound" | "outbound";
  to: string;
  items: { type: string; text?: string; name?: string; sha256?: string; size?: number }[];
}

export interface Rig {
  sim: Simulator;
  store: Store;
  gateway: Gateway;
  agent: Agent;
  ai: FakeOpenAI;
  /** `$WXAGENT_HOME` as configured. */
  home: string;
  /** Its real path (the same unless `homeVia: "symlink"`). */
  realHome: string;
  paths: HomePaths;
  accountId: string;
  owner: string;
  botToken: string;
  /** A contact's workspace directory (not created). */
  workspace(userId: string): string;
  close(): Promise<void>;
}

export async function startRig(o: RigOptions): Promise<Rig> {
  const base = await realpath(await mkdtemp(join(tmpdir(), "wxagent-sec-rig-")));
  let home = join(base, "home");
  if (o.homeVia === "symlink") {
    await mkdir(join(base, "real-home"));
    await symlink(join(base, "real-home"), home);
  }
  const paths = ensureHome(home);
  home = paths.home;
  if (o.adminToken) await writeFile(paths.adminTokenPath, o.adminToken, { mode: 0o600 });
  const store = openStore(paths.dbPath);
  const sim = createSimulator({ seed: o.seed ?? 14, realism: false, longPollTimeoutMs: 500 });
  const bot = await newBot(sim);
  const urls = (await control(sim, "GET", "/accounts")).body.accounts as {
    base_url: string;
    cdn_base_url: string;
  }[];
  store.accounts.upsert({
    id: bot.account_id,
    baseUrl: urls[0]?.base_url ?? "http://simulator.local",
    cdnBaseUrl: urls[0]?.cdn_base_url ?? "http://simulator.local/c2c",
    token: bot.token,
    ownerUserId: bot.owner_user_id,
    state: "active",
  });
  const ai = await startFakeOpenAI();
  const raw = {
    ...o.config,
    agent: "builtin",
    builtin: {
      provider: "openai-compatible",
      model: "fake-model",
      baseUrl: ai.baseUrl,
      apiKeyEnv: RIG_KEY_ENV,
      maxRetries: 0,
      vision: "off",
    },
    permissions: o.permissions,
  };
  if (o.writeConfig) await writeFile(paths.configPath, JSON.stringify({ ...raw, adminToken: o.adminToken }));
  const config: Config = configSchema.parse(raw);
  const quota = o.quota ?? config.gateway.quotaPerToken;
  const choice: AgentChoice = { kind: "builtin", why: "test", builtin: config.builtin };
  const agent = await buildAgent({ choice, config, paths, store });
  const media = mediaWiring(config, paths, choice);
  const gateway = createGateway({
    store,
    agent,
    transportFor: (a) => createILinkTransport(a, { ...media.transport, fetch: sim.fetch }),
    media: media.media,
    accountIds: [bot.account_id],
    delivery: { chunkChars: 2000, spacingMs: 10, quotaPerToken: quota, typingStartAfterMs: 60_000 },
    dispatch: {
      sendQuota: quota,
      access: createAccessPolicy({
        store: asyncStore(store),
        profileFor: profileResolver(config, { dmPolicy: o.dmPolicy ?? "open" }),
      }),
      ...media.dispatch,
      unlock: unlockWiring(config, store),
    },
  });
  await gateway.start();
  if (o.ownerWritesFirst) {
    await control(sim, "POST", "/messages", {
      account_id: bot.account_id,
      from: bot.owner_user_id,
      text: "/help",
    });
  }
  return {
    sim,
    store,
    gateway,
    agent,
    ai,
    home,
    realHome: await realpath(home),
    paths,
    accountId: bot.account_id,
    owner: bot.owner_user_id,
    botToken: bot.token,
    workspace: (userId) =>
      workspaceDirFor({ accountId: bot.account_id, userId, isOwner: userId === bot.owner_user_id }, { home }),
    async close() {
      await gateway.stop({ drainTimeoutMs: 1_000 });
      await agent.close?.();
      await ai.close();
      sim.close();
      store.close();
      await rm(base, { recursive: true, force: true });
    },
  };
}

/** A user writes to the bot: text, or a file (`{ name, bytes }`), in a group when `groupId` is given. */
export async function say(
  r: Rig,
  from: string,
  text: string,
  extra: { file?: { name: string; bytes: Buffer }; groupId?: string } = {},
): Promise<void> {
  const body: Record<string, unknown> = { account_id: r.accountId, from };
  if (extra.file) body.file = { name: extra.file.name, base64: extra.file.bytes.toString("base64") };
  else body.text = text;
  if (extra.groupId) body.group_id = extra.groupId;
  const res = await control(r.sim, "POST", "/messages", body);
  expect(res.status).toBe(200);
}

export async function outbound(r: Rig, user: string): Promise<SimMessage[]> {
  const q = `/messages?account_id=${encodeURIComponent(r.accountId)}&user_id=${encodeURIComponent(user)}&direction=outbound`;
  return ((await control(r.sim, "GET", q)).body.messages as SimMessage[]).filter((m) => m.to === user);
}

export async function seen(r: Rig, user: string): Promise<string[]> {
  return (await outbound(r, user)).flatMap((m) => m.items.flatMap((i) => (i.text ? [i.text] : [])));
}

/** Wait until `user` has been sent a text matching `pattern`; returns every text sent to them. */
export async function sees(
  r: Rig,
  user: string,
  pattern: RegExp | string,
  timeoutMs = 20_000,
): Promise<string[]> {
  const match = (t: string) => (typeof pattern === "string" ? t.includes(pattern) : pattern.test(t));
  return waitFor(
    r.sim,
    `${user} to see ${pattern}`,
    () => seen(r, user),
    (texts) => texts.some(match),
    timeoutMs,
  );
}

/** Everything the model was shown by its tools so far. */
export function allToolResults(r: Rig): string {
  return r.ai
    .completions()
    .flatMap((c) => toolResults(c))
    .join("\n");
}
