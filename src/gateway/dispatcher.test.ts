import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Agent, AgentInput, AgentIO, AgentReply, Contact } from "../agent/types.js";
import { type MessageItem, MessageItemType, type WeixinMessage } from "../ilink/wire.js";
import { asyncStore } from "../store/async.js";
import { openStore } from "../store/sqlite.js";
import type { InboundMessage, Store } from "../store/types.js";
import { createLogger } from "../util/logger.js";
import { type AccessCheck, Dispatcher, type DispatchOptions } from "./dispatcher.js";
import { normalizeInbound } from "./inbound.js";
import type { AccessPolicy } from "./policy/access.js";
import { RecordingDelivery, userText } from "./testing.js";

interface Deferred<T> {
  promise: Promise<T>;
  resolve: (v: T) => void;
}
function deferred<T>(): Deferred<T> {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** An agent whose turns finish only when the test says so. */
class GatedAgent implements Agent {
  readonly name = "gated";
  readonly started: string[] = [];
  readonly gates = new Map<string, Deferred<void>>();
  readonly signals = new Map<string, AbortSignal>();
  resets: Contact[] = [];
  onRun?: (input: AgentInput, io: AgentIO) => Promise<AgentReply>;
  gate(text: string): Deferred<void> {
    const d = this.gates.get(text) ?? deferred<void>();
    this.gates.set(text, d);
    return d;
  }
  async run(input: AgentInput, io: AgentIO): Promise<AgentReply> {
    this.started.push(input.text);
    this.signals.set(input.text, input.signal);
    if (this.onRun) return this.onRun(input, io);
    const aborted = new Promise<never>((_, reject) =>
      input.signal.addEventListener("abort", () => reject(input.signal.reason), { once: true }),
    );
    await Promise.race([this.gate(input.text).promise, aborted]);
    return { text: `re: ${input.text}` };
  }
  async reset(c: Contact) {
    this.resets.push(c);
  }
}

let store: Store;
let delivery: RecordingDelivery;
let agent: GatedAgent;

function dispatcher(extra: Partial<DispatchOptions> = {}): Dispatcher {
  return new Dispatcher({
    store: asyncStore(store),
    agent,
    delivery,
    logger: createLogger("test"),
    ...extra,
  });
}

/** Store messages the way the poller does and return the rows. */
function inbound(...msgs: WeixinMessage[]): InboundMessage[] {
  const news = msgs.map((m) => {
    const n = normalizeInbound(m);
    if (!n.ok) throw new Error(n.reason);
    return n.inbound;
  });
  return store.inbound.recordPoll("acct", undefined, news, Date.now());
}

function state(m: InboundMessage | undefined) {
  return m ? store.inbound.get(m.id)?.state : undefined;
}

beforeEach(() => {
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
  agent = new GatedAgent();
});

afterEach(() => {
  vi.useRealTimers();
  store.close();
});

describe("Dispatcher ordering and concurrency", () => {
  it("answers one contact in order while another contact is not delayed by it", async () => {
    const d = dispatcher({ maxTurns: 4 });
    for (const m of inbound(userText("A", "a1"), userText("A", "a2"), userText("B", "b1"))) d.submit(m);
    await vi.waitFor(() => expect(agent.started).toEqual(["a1", "b1"]));
    // B finishes while A's first turn is still running
    agent.gate("b1").resolve();
    await vi.waitFor(() => expect(delivery.textsTo("B")).toEqual(["re: b1"]));
    expect(agent.started).toEqual(["a1", "b1"]); // a2 waits for a1
    agent.gate("a1").resolve();
    await vi.waitFor(() => expect(agent.started).toEqual(["a1", "b1", "a2"]));
    agent.gate("a2").resolve();
    await vi.waitFor(() => expect(delivery.textsTo("A")).toEqual(["re: a1", "re: a2"]));
  });

  it("never runs more than maxTurns turns at once", async () => {
    const d = dispatcher({ maxTurns: 2 });
    const rows = inbound(...["c1", "c2", "c3", "c4", "c5"].map((u) => userText(u, `from ${u}`)));
    for (const m of rows) d.submit(m);
    await vi.waitFor(() => expect(agent.started).toHaveLength(2));
    expect(d.runningTurns()).toBe(2);
    expect(d.queueDepth("acct")).toBe(3);
    agent.gate("from c1").resolve();
    await vi.waitFor(() => expect(agent.started).toHaveLength(3));
    expect(d.runningTurns()).toBe(2);
    for (const u of ["c2", "c3", "c4", "c5"]) agent.gate(`from ${u}`).resolve();
    await vi.waitFor(() => expect(delivery.out).toHaveLength(5));
    expect(rows.map(state)).toEqual(["done", "done", "done", "done", "done"]);
  });

  it("a reply being sent holds no turn slot: another contact's turn starts, and the contact's next waits for it", async () => {
    const d = dispatcher({ maxTurns: 1 });
    const sending = deferred<void>();
    const deliver = delivery.deliverReply.bind(delivery);
    vi.spyOn(delivery, "deliverReply").mockImplementation(async (m, reply) => {
      if (m.fromUserId === "A") await sending.promise; // A's reply is slow to go out
      return deliver(m, reply);
    });
    for (const m of inbound(userText("A", "a1"), userText("A", "a2"), userText("B", "b1"))) d.submit(m);
    await vi.waitFor(() => expect(agent.started).toEqual(["a1"]));
    agent.gate("a1").resolve();
    // a1's reply is still going out; the one slot went to B, while a2 waits behind a1's reply.
    await vi.waitFor(() => expect(agent.started).toEqual(["a1", "b1"]));
    agent.gate("b1").resolve();
    await vi.waitFor(() => expect(delivery.textsTo("B")).toEqual(["re: b1"]));
    expect(agent.started).toEqual(["a1", "b1"]);
    expect(delivery.textsTo("A")).toEqual([]);
    sending.resolve();
    await vi.waitFor(() => expect(agent.started).toEqual(["a1", "b1", "a2"]));
    agent.gate("a2").resolve();
    await vi.waitFor(() => expect(delivery.textsTo("A")).toEqual(["re: a1", "re: a2"]));
  });

  it("applies backpressure: the poller waits while the account's backlog is at the bound", async () => {
    const d = dispatcher({ maxTurns: 1, maxBacklog: 2 });
    for (const m of inbound(userText("A", "1"), userText("A", "2"), userText("A", "3"))) d.submit(m);
    await vi.waitFor(() => expect(agent.started).toEqual(["1"]));
    let room = false;
    const wait = d.waitForCapacity("acct", new AbortController().signal).then(() => {
      room = true;
    });
    await new Promise((r) => setImmediate(r));
    expect(room).toBe(false);
    agent.gate("1").resolve();
    await wait;
    expect(room).toBe(true);
    expect(d.queueDepth("acct")).toBe(1);
  });
});

describe("Dispatcher commands", () => {
  it("in a group, /stop from another member is refused; the member whose turn it is, or the owner, may stop it", async () => {
    const d = dispatcher();
    const group = { group_id: "g1" };
    const [turn, other] = inbound(userText("alice", "long job", group), userText("mallory", "/stop", group));
    d.submit(turn as InboundMessage);
    await vi.waitFor(() => expect(agent.started).toEqual(["long job"]));
    d.submit(other as InboundMessage);
    await vi.waitFor(() =>
      expect(delivery.textsTo("mallory")).toEqual([
        "Only the person who asked (or the owner) can stop this answer.",
      ]),
    );
    expect(agent.signals.get("long job")?.aborted).toBe(false);
    const [owner] = inbound(userText("owner", "/stop", group));
    d.submit(owner as InboundMessage);
    await vi.waitFor(() => expect(agent.signals.get("long job")?.aborted).toBe(true));
    const [again, self] = inbound(userText("alice", "second", group), userText("alice", "/stop", group));
    d.submit(again as InboundMessage);
    await vi.waitFor(() => expect(agent.started).toEqual(["long job", "second"]));
    d.submit(self as InboundMessage);
    await vi.waitFor(() => expect(agent.signals.get("second")?.aborted).toBe(true));
  });

  it("/stop aborts this contact's turn in flight, bypassing the queue", async () => {
    const d = dispatcher();
    const [first, queued, stop] = inbound(
      userText("A", "long job"),
      userText("A", "next"),
      userText("A", "/stop"),
    );
    d.submit(first as InboundMessage);
    d.submit(queued as InboundMessage);
    await vi.waitFor(() => expect(agent.started).toEqual(["long job"]));
    d.submit(stop as InboundMessage);
    expect(agent.signals.get("long job")?.aborted).toBe(true);
    await vi.waitFor(() => expect(state(first)).toBe("done"));
    expect(store.inbound.get(first?.id as number)?.stateReason).toBe("stopped by /stop");
    expect(delivery.textsTo("A")).toContain("Stopped.");
    expect(delivery.textsTo("A")).not.toContain("re: long job");
    // the queue goes on with the next message
    await vi.waitFor(() => expect(agent.started).toEqual(["long job", "next"]));
  });

  it("/new resets the agent, /help and /status are answered without the agent", async () => {
    const d = dispatcher();
    store.contextTokens.set("acct", "A", "ctx", 1);
    store.contextTokens.countSend("acct", "A");
    for (const m of inbound(userText("A", "/help"), userText("A", "/STATUS please"), userText("A", "/new"))) {
      d.submit(m);
    }
    await vi.waitFor(() => expect(agent.resets).toHaveLength(1));
    expect(agent.resets[0]).toMatchObject({ accountId: "acct", userId: "A", isOwner: false });
    await vi.waitFor(() => expect(delivery.textsTo("A")).toHaveLength(3));
    const [help, status, fresh] = delivery.textsTo("A");
    expect(help).toContain("/stop");
    expect(status).toContain("9 of 10");
    expect(fresh).toBe("Started a new conversation.");
    expect(agent.started).toEqual([]);
  });
});

describe("Dispatcher ask routing", () => {
  it("consumes the contact's next message as the answer instead of a new turn", async () => {
    const d = dispatcher();
    agent.onRun = async (_input, io) => {
      const answer = await io.ask("Delete the file?");
      return { text: `you said ${answer}` };
    };
    const [q] = inbound(userText("A", "clean up"));
    d.submit(q as InboundMessage);
    const asked = expect.stringMatching(/^Question #1:\nDelete the file\?\n/);
    await vi.waitFor(() => expect(delivery.textsTo("A")).toEqual([asked]));
    await vi.waitFor(() =>
      expect(d.pendingAsks()).toEqual([expect.objectContaining({ number: 1, userId: "A", question: asked })]),
    );
    const [answer] = inbound(userText("A", "yes"));
    d.submit(answer as InboundMessage);
    await vi.waitFor(() => expect(delivery.textsTo("A")).toEqual([asked, "you said yes"]));
    expect(agent.started).toEqual(["clean up"]);
    expect(d.pendingAsks()).toEqual([]);
    expect(store.inbound.get(answer?.id as number)).toMatchObject({
      state: "done",
      stateReason: "answer to question #1",
    });
  });

  it("routes an ask to the owner: the owner's next message answers, other contacts are unaffected", async () => {
    const d = dispatcher();
    agent.onRun = async (input, io) => {
      if (input.contact.userId !== "guest") return { text: `normal: ${input.text}` };
      const ok = await io.ask("guest wants to run rm; allow?", { to: "owner" });
      return { text: `owner said ${ok}` };
    };
    const [g] = inbound(userText("guest", "please rm"));
    d.submit(g as InboundMessage);
    await vi.waitFor(() =>
      expect(delivery.textsTo("owner")).toEqual([
        expect.stringMatching(/^Question #1, for guest:\nguest wants to run rm; allow\?/),
      ]),
    );
    const [other, ownerAnswer] = inbound(userText("someone", "hi"), userText("owner", "allow"));
    d.submit(other as InboundMessage);
    d.submit(ownerAnswer as InboundMessage);
    await vi.waitFor(() =>
      expect(delivery.textsTo("guest")).toEqual([
        expect.stringMatching(/waiting|asked them \(question #1\)/),
        "owner said allow",
      ]),
    );
    await vi.waitFor(() => expect(delivery.textsTo("someone")).toEqual(["normal: hi"]));
    expect(agent.started).toEqual(["please rm", "hi"]);
  });

  it("an unanswered ask resolves undefined after its timeout", async () => {
    vi.useFakeTimers();
    const d = dispatcher();
    agent.onRun = async (_input, io) => ({
      text: `got ${String(await io.ask("still there?", { timeoutMs: 5_000 }))}`,
    });
    d.submit(inbound(userText("A", "go"))[0] as InboundMessage);
    await vi.advanceTimersByTimeAsync(4_999);
    const asked = expect.stringMatching(/^Question #1:\nstill there\?/);
    expect(delivery.textsTo("A")).toEqual([asked]);
    await vi.advanceTimersByTimeAsync(1);
    expect(delivery.textsTo("A")).toEqual([asked, "Question #1 expired without an answer.", "got undefined"]);
  });
});

describe("Dispatcher bad input", () => {
  it("refuses an empty message and tells the agent about unknown item types", async () => {
    const d = dispatcher();
    agent.onRun = async (input) => ({ text: input.text });
    const [empty, odd] = inbound(
      userText("A", "x", { item_list: [] }),
      userText("B", "x", { item_list: [{ type: 99 } as unknown as MessageItem] }),
    );
    d.submit(empty as InboundMessage);
    d.submit(odd as InboundMessage);
    expect(store.inbound.get(empty?.id as number)).toMatchObject({
      state: "refused",
      stateReason: "empty message",
    });
    await vi.waitFor(() => expect(delivery.textsTo("B")).toEqual(["[unsupported message item type 99]"]));
  });

  it("cuts a giant text before the agent sees it", async () => {
    const d = dispatcher({ maxTextChars: 100 });
    let seen = "";
    agent.onRun = async (input) => {
      seen = input.text;
      return { text: "ok" };
    };
    d.submit(inbound(userText("A", "x".repeat(10_000)))[0] as InboundMessage);
    await vi.waitFor(() => expect(seen).not.toBe(""));
    expect(seen.startsWith("x".repeat(100))).toBe(true);
    expect(seen).toContain("9900 more characters cut");
  });

  it("refuses a flood beyond the per-contact queue bound with one notice", async () => {
    const d = dispatcher({ maxQueuedPerContact: 2 });
    const rows = inbound(...["1", "2", "3", "4", "5"].map((t) => userText("A", t)));
    for (const m of rows) d.submit(m);
    // "1" runs, "2" and "3" queue, "4" and "5" are refused
    await vi.waitFor(() =>
      expect(rows.map(state)).toEqual(["processing", "pending", "pending", "refused", "refused"]),
    );
    await vi.waitFor(() =>
      expect(delivery.textsTo("A").filter((t) => t.includes("waiting already"))).toHaveLength(1),
    );
    for (const t of ["1", "2", "3"]) agent.gate(t).resolve();
    await vi.waitFor(() => expect(rows.slice(0, 3).map(state)).toEqual(["done", "done", "done"]));
  });

  it("tells the contact when the agent throws, and records the failure", async () => {
    const d = dispatcher();
    agent.onRun = async () => {
      throw new Error("model unavailable");
    };
    const [m] = inbound(userText("A", "hi"));
    d.submit(m as InboundMessage);
    await vi.waitFor(() => expect(state(m)).toBe("failed"));
    expect(delivery.textsTo("A")[0]).toMatch(/^Sorry, the agent failed/);
    expect(store.inbound.get(m?.id as number)?.stateReason).toBe("model unavailable");
  });

  it("reads media for the agent", async () => {
    const d = dispatcher();
    let media: AgentInput["media"] = [];
    agent.onRun = async (input) => {
      media = input.media;
      return { text: "ok" };
    };
    d.submit(
      inbound(
        userText("A", "", {
          item_list: [
            { type: MessageItemType.FILE, file_item: { file_name: "report.pdf", len: "2048" } },
            { type: MessageItemType.VOICE, voice_item: { text: "voice words" } },
          ],
        }),
      )[0] as InboundMessage,
    );
    await vi.waitFor(() => expect(media).toHaveLength(2));
    expect(media[0]).toEqual({ kind: "file", name: "report.pdf", size: 2048 });
    expect(media[1]).toEqual({ kind: "voice", transcript: "voice words" });
  });
});

describe("Dispatcher access, timeouts and progress", () => {
  it("takes the policy's AccessPolicy as is (type check)", () => {
    const adapt = (p: AccessPolicy): AccessCheck => p;
    expect(typeof adapt).toBe("function");
  });

  it("refuses what the access policy refuses (with its reply) and gives the agent the policy's text", async () => {
    const access: AccessCheck = {
      check: (req) =>
        req.fromUserId === "stranger"
          ? { verdict: "refuse", code: "pairing-code-sent", reason: "unknown contact", reply: "code: ABC123" }
          : { verdict: "allow", text: req.text?.replace(/^@bot\s*/, "") },
    };
    const d = dispatcher({ access });
    agent.onRun = async (input) => ({ text: `agent saw: ${input.text}` });
    const [s, g] = inbound(
      userText("stranger", "hello"),
      userText("member", "@bot what time is it", { group_id: "grp" }),
    );
    d.submit(s as InboundMessage);
    d.submit(g as InboundMessage);
    await vi.waitFor(() =>
      expect(store.inbound.get(s?.id as number)).toMatchObject({
        state: "refused",
        stateReason: "unknown contact",
      }),
    );
    await vi.waitFor(() => expect(delivery.textsTo("stranger")).toEqual(["code: ABC123"]));
    await vi.waitFor(() => expect(delivery.textsTo("member")).toEqual(["agent saw: what time is it"]));
    expect(delivery.inbound).not.toContain(s?.id); // no token recorded for a refused sender
  });

  it("stops a turn at its wall-time limit and tells the contact", async () => {
    vi.useFakeTimers();
    const d = dispatcher({ turnTimeoutMs: 1_000 });
    const [m] = inbound(userText("A", "never ends"));
    d.submit(m as InboundMessage);
    await vi.advanceTimersByTimeAsync(999);
    expect(state(m)).toBe("processing");
    await vi.advanceTimersByTimeAsync(1);
    expect(state(m)).toBe("failed");
    expect(delivery.textsTo("A")[0]).toContain("took too long");
  });

  it("clears a turn's wall-time limit when the turn ends in time", async () => {
    vi.useFakeTimers();
    const d = dispatcher({ turnTimeoutMs: 600_000 });
    const [m] = inbound(userText("A", "quick"));
    d.submit(m as InboundMessage);
    await vi.advanceTimersByTimeAsync(1_000);
    agent.gate("quick").resolve();
    await vi.advanceTimersByTimeAsync(0);
    expect(state(m)).toBe("done");
    // Nothing of the turn is left waiting for ten minutes.
    expect(vi.getTimerCount()).toBe(0);
  });

  it("coalesces progress notes into one note per interval and drops them when the turn ends", async () => {
    vi.useFakeTimers();
    const d = dispatcher({ progressIntervalMs: 10_000 });
    const finish = deferred<void>();
    agent.onRun = async (_input, io) => {
      io.progress("reading files");
      io.progress("running tests");
      await finish.promise;
      io.progress("too late");
      return { text: "done" };
    };
    d.submit(inbound(userText("A", "work"))[0] as InboundMessage);
    await vi.advanceTimersByTimeAsync(9_999);
    expect(delivery.textsTo("A")).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(delivery.textsTo("A")).toEqual(["progress: reading files\nrunning tests"]);
    finish.resolve();
    await vi.advanceTimersByTimeAsync(20_000);
    expect(delivery.textsTo("A")).toEqual(["progress: reading files\nrunning tests", "done"]);
  });
});
