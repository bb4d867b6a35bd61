/**
 * The dispatcher's optional hooks: `/unlock` `/lock` through `DispatchOptions.unlock` (with the
 * agent's real unlock handling), and the workspace check of files an agent sends mid-turn.
 */

import { mkdir, mkdtemp, realpath, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Agent, AgentInput, AgentIO, AgentReply } from "../agent/types.js";
import { memoryUnlockStore, type UnlockStateStore, unlockCommands } from "../agent/unlock.js";
import { asyncStore } from "../store/async.js";
import { openStore } from "../store/sqlite.js";
import type { InboundMessage, Store } from "../store/types.js";
import { createRootLogger } from "../util/logger.js";
import { Dispatcher, type DispatchOptions } from "./dispatcher.js";
import { normalizeInbound } from "./inbound.js";
import { RecordingDelivery, userText } from "./testing.js";

const PASSPHRASE = "correct horse battery";

class ScriptedAgent implements Agent {
  readonly name = "scripted";
  readonly seen: string[] = [];
  onRun: (input: AgentInput, io: AgentIO) => Promise<AgentReply> = async (input) => ({
    text: `re: ${input.text}`,
  });
  run(input: AgentInput, io: AgentIO): Promise<AgentReply> {
    this.seen.push(input.text);
    return this.onRun(input, io);
  }
}

let store: Store;
let delivery: RecordingDelivery;
let agent: ScriptedAgent;
let logLines: string[];
let unlockState: UnlockStateStore;
let dir: string;

function dispatcher(extra: Partial<DispatchOptions> = {}): Dispatcher {
  const logger = createRootLogger({ write: (line: string) => void logLines.push(line) }, "debug");
  return new Dispatcher({ store: asyncStore(store), agent, delivery, logger, ...extra });
}

function inbound(...msgs: ReturnType<typeof userText>[]): InboundMessage[] {
  const news = msgs.map((m) => {
    const n = normalizeInbound(m);
    if (!n.ok) throw new Error(n.reason);
    return n.inbound;
  });
  return store.inbound.recordPoll("acct", undefined, news, Date.now());
}

const unlockHook = (now = () => 1_000_000) =>
  unlockCommands(
    unlockState,
    {
      owner: "full",
      allowlist: [],
      allowlistPreset: "workspace-write",
      defaultPreset: "read-only",
      contacts: {},
      groups: {},
      askTo: "contact",
      askTimeoutMs: 120_000,
      unlock: { passphrase: PASSPHRASE, durationMs: 30 * 60_000, maxFailures: 5, lockoutMs: 15 * 60_000 },
    },
    { now },
  );

beforeEach(async () => {
  store = openStore(":memory:");
  store.accounts.upsert({
    id: "acct",
    baseUrl: "http://x",
    cdnBaseUrl: "http://x/c2c",
    token: "secret-token",
    state: "active",
    ownerUserId: "owner",
  });
  delivery = new RecordingDelivery();
  agent = new ScriptedAgent();
  logLines = [];
  unlockState = memoryUnlockStore();
  dir = await realpath(await mkdtemp(join(tmpdir(), "wx-dispatch-")));
});

afterEach(async () => {
  store.close();
  await rm(dir, { recursive: true, force: true });
});

describe("/unlock and /lock", () => {
  it("the right passphrase unlocks without echoing it, and is neither logged nor given to the agent", async () => {
    const d = dispatcher({ unlock: unlockHook() });
    const [m] = inbound(userText("A", `/unlock ${PASSPHRASE}`));
    d.submit(m as InboundMessage);
    await vi.waitFor(() => expect(delivery.textsTo("A")).toHaveLength(1));
    const [reply] = delivery.textsTo("A");
    expect(reply).toMatch(/^Unlocked for 30 minutes/);
    expect(reply).not.toContain(PASSPHRASE);
    expect((await unlockState.get({ accountId: "acct", userId: "A", isOwner: false }))?.unlockedUntilMs).toBe(
      1_000_000 + 30 * 60_000,
    );
    expect(agent.seen).toEqual([]);
    await vi.waitFor(() => expect(store.inbound.get(m?.id as number)?.state).toBe("done"));
    expect(store.inbound.get(m?.id as number)?.stateReason ?? "").not.toContain(PASSPHRASE);
    // Nor does it stay in the stored message (history, admin UI, backups).
    expect(JSON.stringify(store.inbound.get(m?.id as number)?.items)).not.toContain(PASSPHRASE);
    expect(JSON.stringify(store.inbound.get(m?.id as number)?.items)).toContain("/unlock [redacted]");
    expect(logLines.join("")).toContain("/unlock answered");
    expect(logLines.join("")).not.toContain("horse");
  });

  it("refuses a wrong passphrase (without echoing it) and /lock ends an unlock", async () => {
    const d = dispatcher({ unlock: unlockHook() });
    const contact = { accountId: "acct", userId: "A", isOwner: false };
    d.submit(inbound(userText("A", "/unlock guessing-wrong"))[0] as InboundMessage);
    await vi.waitFor(() => expect(delivery.textsTo("A")).toEqual(["Wrong passphrase."]));
    expect(await unlockState.get(contact)).toEqual({ failures: 1 });
    d.submit(inbound(userText("A", `/UNLOCK ${PASSPHRASE}`))[0] as InboundMessage);
    await vi.waitFor(() => expect(delivery.textsTo("A")).toHaveLength(2));
    expect((await unlockState.get(contact))?.unlockedUntilMs).toBeGreaterThan(0);
    d.submit(inbound(userText("A", "/lock"))[0] as InboundMessage);
    await vi.waitFor(() => expect(delivery.textsTo("A")).toHaveLength(3));
    expect(delivery.textsTo("A")[2]).toBe("Locked.");
    expect((await unlockState.get(contact))?.unlockedUntilMs).toBeUndefined();
    expect(logLines.join("")).not.toContain("guessing-wrong");
    expect(agent.seen).toEqual([]);
  });

  it("refuses a passphrase sent in a group, and answers without a hook that unlocking is off", async () => {
    const withHook = dispatcher({ unlock: unlockHook() });
    withHook.submit(inbound(userText("A", `/unlock ${PASSPHRASE}`, { group_id: "g1" }))[0] as InboundMessage);
    await vi.waitFor(() => expect(delivery.textsTo("A")).toHaveLength(1));
    expect(delivery.textsTo("A")[0]).toContain("private chat");
    expect(await unlockState.get({ accountId: "acct", userId: "A", isOwner: false })).toBeUndefined();

    const without = dispatcher();
    without.submit(inbound(userText("B", `/unlock ${PASSPHRASE}`))[0] as InboundMessage);
    await vi.waitFor(() => expect(delivery.textsTo("B")).toEqual(["Unlocking is not enabled for this bot."]));
    expect(agent.seen).toEqual([]);
  });

  it("guessing from many contact ids meets an account-wide limit, and the owner is told (chat and log)", async () => {
    const d = dispatcher({ unlock: unlockHook() });
    // 20 wrong guesses from 20 different ids: none of them reaches its own limit of 5.
    for (let i = 0; i < 20; i++) {
      d.submit(inbound(userText(`guesser${i}`, `/unlock wrong-${i}`))[0] as InboundMessage);
    }
    await vi.waitFor(() => expect(delivery.textsTo("owner")).toHaveLength(1));
    expect(delivery.textsTo("owner")[0]).toMatch(/\/unlock is paused on this account for 15 minutes/);
    expect(delivery.textsTo("owner")[0]).not.toContain("wrong-");
    expect(logLines.join("")).toContain("/unlock is paused on this account");
    // Now even the right passphrase from a fresh id is refused until the pause ends.
    d.submit(inbound(userText("late", `/unlock ${PASSPHRASE}`))[0] as InboundMessage);
    await vi.waitFor(() => expect(delivery.textsTo("late")).toHaveLength(1));
    expect(delivery.textsTo("late")[0]).toMatch(/paused after many wrong passphrases/);
    expect(
      (await unlockState.get({ accountId: "acct", userId: "late", isOwner: false }))?.unlockedUntilMs,
    ).toBeUndefined();
  });

  it("a contact's own lockout is told to the owner too", async () => {
    const d = dispatcher({ unlock: unlockHook() });
    for (let i = 0; i < 5; i++) d.submit(inbound(userText("A", `/unlock nope-${i}`))[0] as InboundMessage);
    await vi.waitFor(() => expect(delivery.textsTo("owner")).toHaveLength(1));
    expect(delivery.textsTo("owner")[0]).toMatch(/5 wrong passphrases from A; they are locked out/);
  });

  it("a replayed /unlock (its passphrase never stored) asks to send it again and counts no failure", async () => {
    const d = dispatcher({ unlock: unlockHook() });
    const [m] = inbound(userText("A", "/unlock [redacted]"));
    d.submit(m as InboundMessage, { replay: true });
    await vi.waitFor(() => expect(delivery.textsTo("A")).toHaveLength(1));
    expect(delivery.textsTo("A")[0]).toMatch(/send it again/);
    expect(await unlockState.get({ accountId: "acct", userId: "A", isOwner: false })).toBeUndefined();
  });

  it("/help lists /unlock and /lock", async () => {
    const d = dispatcher();
    d.submit(inbound(userText("A", "/help"))[0] as InboundMessage);
    await vi.waitFor(() => expect(delivery.textsTo("A")).toHaveLength(1));
    expect(delivery.textsTo("A")[0]).toContain("/unlock <passphrase>");
    expect(delivery.textsTo("A")[0]).toContain("/lock");
  });
});

describe("files an agent sends mid-turn", () => {
  it("AgentIO.sendFile sends a file inside the workspace and refuses one outside with a clear error", async () => {
    const ws = join(dir, "ws");
    await mkdir(ws, { recursive: true });
    await writeFile(join(ws, "notes.txt"), "inside\n");
    await writeFile(join(dir, "secret.txt"), "outside\n");
    const errors: string[] = [];
    agent.onRun = async (_input, io) => {
      await io.sendFile("notes.txt");
      await io.sendFile(join(dir, "secret.txt")).catch((err: Error) => void errors.push(err.message));
      return { text: "done" };
    };
    const d = dispatcher({ workspaceDirFor: () => ws });
    d.submit(inbound(userText("A", "send both"))[0] as InboundMessage);
    await vi.waitFor(() => expect(delivery.textsTo("A")).toEqual(["done"]));
    expect(delivery.files).toEqual([join(ws, "notes.txt")]);
    expect(errors).toEqual([`I can't send "secret.txt": it is outside my workspace.`]);
  });

  it("without workspaceDirFor the reply goes out as the agent wrote it", async () => {
    agent.onRun = async () => ({ text: "see <<FILE:/etc/hostname>>" });
    const d = dispatcher();
    d.submit(inbound(userText("A", "x"))[0] as InboundMessage);
    await vi.waitFor(() => expect(delivery.textsTo("A")).toEqual(["see <<FILE:/etc/hostname>>"]));
  });
});
