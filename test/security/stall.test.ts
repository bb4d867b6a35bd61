/**
 * No contact can stall the others (issue 14), attacked as a read-only contact would, through the
 * simulator and the gateway wired as `wxagent start` wires it, with a scripted model: Mallory
 * sends the worst inputs there are (an "aaaa…!" upload and a model that searches it for
 * `^(a+)+$`, a 1 MiB SILK note of empty frames with and without transcription, a PNG whose
 * header claims 100 000 × 100 000, 300 000 spaces, a file name of 300 000 dots and blanks, a model
 * that answers megabytes) while Bob chats. Bob is answered; Mallory gets a clear refusal or a
 * bounded answer; nothing over the limits is kept; `/stop` ends Mallory's search.
 */
import { mkdir, mkdtemp, realpath, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  type ChatRequestBody,
  type FakeOpenAI,
  startFakeOpenAI,
  toolResults,
} from "../../src/agent/builtin/testing/fake-openai.js";
import * as searchModule from "../../src/agent/builtin/tools/search.js";
import type { Contact } from "../../src/agent/types.js";
import { workspaceDirFor } from "../../src/agent/workspace.js";
import * as silkWorker from "../../src/gateway/media/silk-worker.js";
import { filesUnder } from "../../src/gateway/media/sim.test-util.js";
import { createSimulator, type Simulator } from "../../src/simulator/index.js";
import { control, newBot } from "../../src/simulator/testkit.js";
import {
  DOTS_NAME,
  type FakeTranscriber,
  pngClaiming,
  REDOS_PATTERN,
  type Route,
  redosFile,
  routedModel,
  SPACES_TEXT,
  type StallGateway,
  silkBomb,
  silkTone,
  startFakeTranscriber,
  startStallGateway,
  turnOf,
} from "./stall-kit.js";

vi.mock("../../src/gateway/media/silk-worker.js", { spy: true });
vi.mock("../../src/agent/builtin/tools/search.js", { spy: true });

const MALLORY = "mallory@im.wechat"; // read-only (the default preset): the attacker
const BOB = "bob@im.wechat"; // another contact, chatting meanwhile
const GROUP = "room@chatroom";

interface Rig {
  sim: Simulator;
  ai: FakeOpenAI;
  stt: FakeTranscriber;
  gw: StallGateway;
  home: string;
  accountId: string;
  routes: Route[];
  close(): Promise<void>;
}

let rig: Rig | undefined;

beforeEach(() => {
  vi.mocked(silkWorker.decodeSilkInWorker).mockClear();
  vi.mocked(searchModule.searchTool).mockClear();
});
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

async function startRig(o: { transcription?: boolean; config?: Record<string, unknown> } = {}): Promise<Rig> {
  const home = await realpath(await mkdtemp(join(tmpdir(), "wxagent-sec-stall-")));
  const sim = createSimulator({ seed: 14, realism: false, longPollTimeoutMs: 500 });
  const bot = await newBot(sim);
  const urls = (await control(sim, "GET", "/accounts")).body.accounts as {
    base_url: string;
    cdn_base_url: string;
  }[];
  const routes: Route[] = [];
  const ai = await startFakeOpenAI({ whenExhausted: routedModel(() => routes) });
  const stt = await startFakeTranscriber();
  const gw = await startStallGateway({
    home,
    account: {
      id: bot.account_id,
      baseUrl: urls[0]?.base_url ?? "http://simulator.local",
      cdnBaseUrl: urls[0]?.cdn_base_url ?? "http://simulator.local/c2c",
      token: bot.token,
      ownerUserId: bot.owner_user_id,
    },
    modelBaseUrl: ai.baseUrl,
    ...(o.transcription ? { transcriptionBaseUrl: stt.baseUrl } : {}),
    fetch: sim.fetch,
    config: { defaults: { groupPolicy: "open", mentionNames: ["Bot"] }, ...o.config },
  });
  return {
    sim,
    ai,
    stt,
    gw,
    home,
    accountId: bot.account_id,
    routes,
    async close() {
      await gw.close();
      await ai.close();
      await stt.close();
      sim.close();
      await rm(home, { recursive: true, force: true });
    },
  };
}

async function say(r: Rig, from: string, body: Record<string, unknown>): Promise<void> {
  const res = await control(r.sim, "POST", "/messages", { account_id: r.accountId, from, ...body });
  expect(res.status).toBe(200);
}

/** Texts the bot sent to `to`, in order. */
function seen(r: Rig, to: string): string[] {
  return r.sim.state.messages
    .filter((m) => m.direction === "outbound" && m.to === to)
    .flatMap((m) => m.items.flatMap((i) => ("text" in i && typeof i.text === "string" ? [i.text] : [])));
}

async function sees(r: Rig, to: string, text: string | RegExp): Promise<string[]> {
  const match = (t: string) => (typeof text === "string" ? t.includes(text) : text.test(t));
  await vi.waitFor(
    () =>
      expect(
        seen(r, to).some(match),
        `${to}: ${JSON.stringify(seen(r, to).map((t) => t.slice(0, 80)))}`,
      ).toBe(true),
    { timeout: 15_000, interval: 20 },
  );
  return seen(r, to);
}

/** Bob writes and is answered by the model ("re: …"). */
async function bobChats(r: Rig, text = "hello, anyone there?"): Promise<void> {
  await say(r, BOB, { text });
  await sees(r, BOB, `re: ${text}`);
}

const b64 = (b: Buffer) => b.toString("base64");
const contact = (r: Rig, userId: string): Contact => ({ accountId: r.accountId, userId, isOwner: false });
const workspace = (r: Rig, userId: string) => workspaceDirFor(contact(r, userId), { home: r.home });

/** The completion requests of Mallory's turns (the model's view of them). */
const mallorysRequests = (r: Rig, marker: string): ChatRequestBody[] =>
  r.ai.completions().filter((c) => turnOf(c).text.includes(marker));

/** Every search the agent started, as its tool's answer (a promise until it ends). */
function watchSearches(): Promise<unknown>[] {
  const runs: Promise<unknown>[] = [];
  const spy = vi.mocked(searchModule.searchTool);
  spy.mockImplementation((ctx) => {
    const t = originalSearchTool(ctx);
    const execute = t.execute;
    if (!execute) return t;
    return {
      ...t,
      execute: (input, options) => {
        const run = Promise.resolve(execute(input, options));
        runs.push(run);
        return run;
      },
    } as typeof t;
  });
  return runs;
}

const { searchTool: originalSearchTool } = await vi.importActual<
  typeof import("../../src/agent/builtin/tools/search.js")
>("../../src/agent/builtin/tools/search.js");

describe("ReDoS: search ^(a+)+$ over an uploaded aaaa…!", () => {
  it("answers in linear time (no match, within the bounds) while Bob is answered", async () => {
    rig = await startRig();
    rig.routes.push({
      marker: "grep this",
      steps: [
        { toolCalls: [{ name: "search", args: { pattern: REDOS_PATTERN, regex: true } }] },
        { text: "search finished" },
      ],
    });
    await say(rig, MALLORY, { text: "grep this", file: { name: "a.txt", base64: b64(redosFile()) } });
    await bobChats(rig);
    await sees(rig, MALLORY, "search finished");
    const [, second] = mallorysRequests(rig, "grep this");
    expect(toolResults(second ?? {})).toEqual(["no matches"]);
  });

  it("yields to Bob while it runs, and /stop ends it", async () => {
    rig = await startRig();
    const runs = watchSearches();
    rig.routes.push({
      marker: "grep everything",
      steps: [
        { toolCalls: [{ name: "search", args: { pattern: REDOS_PATTERN, regex: true } }] },
        { text: "search finished" },
      ],
    });
    // Files "uploaded earlier", up to the search's byte budget (32 MB): seconds of work.
    const ws = workspace(rig, MALLORY);
    await mkdir(join(ws, "inbox"), { recursive: true });
    const big = redosFile();
    for (let i = 0; i < 31; i++) await writeFile(join(ws, "inbox", `old-${i}.txt`), big);
    await say(rig, MALLORY, { text: "grep everything", file: { name: "a.txt", base64: b64(big) } });

    await vi.waitFor(() => expect(runs).toHaveLength(1), { timeout: 20_000, interval: 10 });
    const search = runs[0] as Promise<unknown>;
    let ended = false;
    search.then(
      () => (ended = true),
      () => (ended = true),
    );
    await bobChats(rig);
    expect(ended).toBe(false); // Bob was answered while the search was still running

    await say(rig, MALLORY, { text: "/stop" });
    await sees(rig, MALLORY, "Stopped.");
    await expect(search).rejects.toThrow();
    // The model never got a search result, and the turn did not go on.
    expect(mallorysRequests(rig, "grep everything").flatMap(toolResults)).toEqual([]);
    expect(seen(rig, MALLORY).join("\n")).not.toContain("search finished");
  }, 60_000);
});

describe("voice decompression bomb: 1 MiB of empty SILK frames", () => {
  it.each([
    ["no transcription configured", false],
    ["a transcriber configured", true],
  ])("with %s: refused before decoding, nothing kept, Bob answered", async (_label, transcription) => {
    rig = await startRig({ transcription });
    await say(rig, MALLORY, { voice: { name: "v.silk", base64: b64(silkBomb()) } });
    await bobChats(rig);
    await sees(
      rig,
      MALLORY,
      "The voice note is longer than 1 min (it lasts 175 min), so I did not listen to it",
    );
    expect(silkWorker.decodeSilkInWorker).not.toHaveBeenCalled();
    expect(rig.stt.calls).toEqual([]);
    expect(await filesUnder(workspace(rig, MALLORY))).toEqual([]);
    expect(await filesUnder(rig.gw.paths.mediaDir)).toEqual([]);
  });

  it("a note within the limit is decoded in the worker and transcribed; the WAV never lands on disk", async () => {
    rig = await startRig({ transcription: true });
    const note = await silkTone(2);
    rig.routes.push({ marker: "transcript: hello", steps: [{ text: "heard you" }] });
    await say(rig, MALLORY, { voice: { name: "v.silk", base64: b64(note) } });
    await bobChats(rig);
    await sees(rig, MALLORY, "heard you");
    expect(silkWorker.decodeSilkInWorker).toHaveBeenCalledTimes(1);
    expect(rig.stt.calls).toHaveLength(1);
    // 2 s of 24 kHz s16 mono is 96 000 bytes of WAV, sent from memory.
    expect(rig.stt.calls[0]).toBeGreaterThan(96_000);
    const kept = [
      ...(await filesUnder(workspace(rig, MALLORY))),
      ...(await filesUnder(rig.gw.paths.mediaDir)),
    ];
    expect(kept.filter((f) => /\.wav$/i.test(f.name))).toEqual([]);
  });
});

describe("inputs bounded before any work", () => {
  it("a PNG that claims 100 000 × 100 000 goes to the model as a note, never as an image", async () => {
    rig = await startRig();
    rig.routes.push({ marker: "megapixel limit", steps: [{ text: "I see the note" }] });
    await say(rig, MALLORY, { image: { name: "p.png", base64: b64(pngClaiming()) } });
    await bobChats(rig);
    await sees(rig, MALLORY, "I see the note");
    const [request] = mallorysRequests(rig, "megapixel limit");
    expect(JSON.stringify(request?.messages)).not.toContain("image_url");
    expect(turnOf(request ?? {}).text).toContain("100000×100000 pixels is over the 50 megapixel limit");
  });

  it("300 000 spaces, in a chat and after a mention in a group, and 400 000 in the model's reply", async () => {
    rig = await startRig();
    rig.routes.push({
      marker: "hi   ",
      // 400 000 in the reply: under builtin.maxResponseBytes (512 KiB).
      steps: [{ text: `see${" ".repeat(200_000)}<<FILE:nothing-here.txt>>\nbye${" ".repeat(200_000)}x` }],
    });
    await say(rig, MALLORY, { text: SPACES_TEXT });
    await say(rig, MALLORY, { group_id: GROUP, text: `@Bot ${SPACES_TEXT}` });
    await bobChats(rig);
    // Both answered (a group turn's reply goes to the member who wrote).
    await vi.waitFor(() => expect(seen(rig as Rig, MALLORY).filter((t) => t === "see")).toHaveLength(2), {
      timeout: 15_000,
      interval: 20,
    });
    // The agent is handed the message cut to 16 000 characters, with a note.
    for (const request of mallorysRequests(rig, "hi   ")) {
      expect(turnOf(request).text).toMatch(/more characters cut: the message was too long\]$/);
      expect(turnOf(request).text.length).toBeLessThan(17_000);
    }
  });

  it("a file name of 300 000 dots and blanks is cut to a safe name", async () => {
    rig = await startRig();
    rig.routes.push({ marker: "file saved in the workspace", steps: [{ text: "got your file" }] });
    await say(rig, MALLORY, { file: { name: DOTS_NAME, base64: b64(Buffer.from("tiny")) } });
    await bobChats(rig);
    await sees(rig, MALLORY, "got your file");
    const files = await filesUnder(join(workspace(rig, MALLORY), "inbox"));
    expect(files).toHaveLength(1);
    expect([...(files[0]?.name ?? "")].length).toBeLessThanOrEqual(120);
    expect(files[0]?.name).toMatch(/^x\. .*\.txt$/);
  });

  it("a file over media.limits.maxInboundBytes is refused and never lands in the workspace", async () => {
    rig = await startRig({ config: { media: { limits: { maxInboundBytes: 256 * 1024 } } } });
    await say(rig, MALLORY, { text: "keep this", file: { name: "a.txt", base64: b64(redosFile()) } });
    await bobChats(rig);
    await sees(rig, MALLORY, `The file "a.txt" is larger than 256 KB, so I did not download it.`);
    expect(await filesUnder(workspace(rig, MALLORY))).toEqual([]);
  });

  it("a model answering megabytes, or calling a tool with megabytes of arguments, gets a bounded turn", async () => {
    rig = await startRig();
    // Under builtin.maxResponseBytes (512 KiB): read, then bounded on every path.
    rig.routes.push(
      { marker: "talk a lot", steps: [{ text: `**${"word ".repeat(90_000)}**` }] },
      {
        marker: "read a lot",
        steps: [
          { toolCalls: [{ name: "read", args: { path: "x/".repeat(220_000) } }] },
          { text: "read done" },
        ],
      },
      { marker: "talk too much", steps: [{ text: "word ".repeat(1_000_000) }] },
    );
    await say(rig, MALLORY, { text: "talk a lot" });
    await say(rig, BOB, { text: "and me?" });
    await sees(rig, BOB, "re: and me?");
    const talk = await sees(rig, MALLORY, "(reply cut at 8000 characters)");
    expect(talk.join("").length).toBeLessThan(9_000);
    await say(rig, MALLORY, { text: "read a lot" });
    await bobChats(rig);
    await sees(rig, MALLORY, "read done");
    const [readTurn, afterRead] = mallorysRequests(rig, "read a lot");
    // The 450 KB answer is not sent back with every later turn: the history keeps 8 000 characters of it.
    expect(JSON.stringify(readTurn?.messages).length).toBeLessThan(30_000);
    expect(JSON.stringify(readTurn?.messages)).toContain(
      "more characters were not kept in this conversation's history",
    );
    const result = toolResults(afterRead ?? {}).join("\n");
    expect(result).toContain("at most 4096 are allowed");
    expect(result.length).toBeLessThan(2_000);
    // Nor are the 440 KB of arguments sent again with the turn's later steps.
    expect(JSON.stringify(afterRead?.messages).length).toBeLessThan(60_000);
    expect(JSON.stringify(afterRead?.messages)).toContain("not kept in the history");
    // Over the bound, the answer is not read at all.
    await say(rig, MALLORY, { text: "talk too much" });
    await bobChats(rig, "still there?");
    await sees(rig, MALLORY, "Sorry, the agent failed.");
  }, 60_000);
});
