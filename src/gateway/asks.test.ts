import { afterEach, describe, expect, it, vi } from "vitest";
import { showInvisible } from "../shared/invisible.js";
import type { InboundMessage } from "../store/types.js";
import { createLogger } from "../util/logger.js";
import { type AskContext, askInChat, INLINE_VERBATIM_MAX_CHARS } from "./ask-chat.js";
import { AskRegistry, parseNumbered, whichText } from "./asks.js";
import { conversationKey } from "./inbound.js";
import type { QuestionSent } from "./ports.js";

const A = "acct";
const never = new AbortController().signal;
const dm = (u: string) => conversationKey(A, u);

afterEach(() => vi.useRealTimers());

describe("parseNumbered", () => {
  it("reads an answer with its question number, in either order", () => {
    expect(parseNumbered("y 2")).toEqual({ answer: "y", number: 2 });
    expect(parseNumbered(" n #12 ")).toEqual({ answer: "n", number: 12 });
    expect(parseNumbered("#3 1")).toEqual({ answer: "1", number: 3 });
    expect(parseNumbered("y")).toBeUndefined();
    expect(parseNumbered("meet at 5")).toBeUndefined();
  });
});

describe("AskRegistry numbering", () => {
  it("numbers questions per person asked, and a bare y is taken when only one waits", async () => {
    const r = new AskRegistry();
    const one = r.open({ accountId: A, userId: "owner" }, 60_000, never, { question: "q1" });
    const other = r.open({ accountId: A, userId: "bob" }, 60_000, never, { question: "qb" });
    expect(one.number).toBe(1);
    expect(other.number).toBe(1);
    expect(r.offer(dm("owner"), "owner", "y")).toEqual({ kind: "answered", number: 1 });
    expect(await one.answer).toBe("y");
    expect(r.waitingFor(A, "bob")).toHaveLength(1);
  });

  it("with two waiting, a bare y is no answer: the person is told which wait, and y 2 answers #2", async () => {
    const r = new AskRegistry();
    const first = r.open({ accountId: A, userId: "owner" }, 60_000, never, { question: "run ls?" });
    const second = r.open({ accountId: A, userId: "owner" }, 60_000, never, { question: "run rm?" });
    const offer = r.offer(dm("owner"), "owner", "y");
    expect(offer.kind).toBe("which");
    if (offer.kind === "which") {
      expect(offer.waiting.map((w) => w.number)).toEqual([1, 2]);
      expect(whichText(offer.waiting)).toMatch(/#1: run ls\?\n#2: run rm\?\n.*"y 1"/);
    }
    expect(r.offer(dm("owner"), "owner", "n 2")).toEqual({ kind: "answered", number: 2 });
    expect(await second.answer).toBe("n");
    // Now one waits: a bare answer goes to it.
    expect(r.offer(dm("owner"), "owner", "y")).toEqual({ kind: "answered", number: 1 });
    expect(await first.answer).toBe("y");
  });

  it("a number that is not waiting is refused with the list, not guessed", () => {
    const r = new AskRegistry();
    r.open({ accountId: A, userId: "owner" }, 60_000, never, { question: "q" });
    const offer = r.offer(dm("owner"), "owner", "y 7");
    expect(offer).toMatchObject({ kind: "which", unknownNumber: 7 });
    expect(r.size).toBe(1);
  });

  it("only the person asked can answer, and only in the conversation asked in", () => {
    const r = new AskRegistry();
    r.open({ accountId: A, userId: "owner" }, 60_000, never, { question: "q", forUserId: "bob" });
    expect(r.offer(dm("bob"), "bob", "y")).toEqual({ kind: "none" });
    expect(r.offer(conversationKey(A, "owner", "g1"), "owner", "y")).toEqual({ kind: "none" });
    expect(r.askedForOthers({ accountId: A, fromUserId: "bob" })).toHaveLength(1);
  });

  it("a long message while several wait is not an answer (it goes on as a message)", () => {
    const r = new AskRegistry();
    r.open({ accountId: A, userId: "owner" }, 60_000, never);
    r.open({ accountId: A, userId: "owner" }, 60_000, never);
    expect(r.offer(dm("owner"), "owner", "what is the weather")).toEqual({ kind: "none" });
  });

  it("a question held back by the quota is released by the person's next message, not answered by it", async () => {
    const r = new AskRegistry();
    const q = r.open({ accountId: A, userId: "owner" }, 60_000, never);
    q.markUndelivered();
    expect(r.pending()[0]?.undelivered).toBe(true);
    expect(r.offer(dm("owner"), "owner", "hello")).toEqual({ kind: "released", number: 1 });
    expect(r.pending()[0]?.undelivered).toBeUndefined();
    expect(r.offer(dm("owner"), "owner", "y")).toEqual({ kind: "answered", number: 1 });
    expect(await q.answer).toBe("y");
  });

  it("ends as timeout, abort or withdrawn, and says which", async () => {
    vi.useFakeTimers();
    const r = new AskRegistry();
    const ends: string[] = [];
    const t = r.open({ accountId: A, userId: "u" }, 1_000, never, {}, (w) => ends.push(w));
    const stop = new AbortController();
    const a = r.open({ accountId: A, userId: "u" }, 60_000, stop.signal, {}, (w) => ends.push(w));
    const done = new AbortController();
    const w = r.open({ accountId: A, userId: "u" }, 60_000, never, { withdraw: done.signal }, (x) =>
      ends.push(x),
    );
    await vi.advanceTimersByTimeAsync(1_000);
    stop.abort();
    done.abort();
    expect([await t.answer, await a.answer, await w.answer]).toEqual([undefined, undefined, undefined]);
    expect(ends).toEqual(["timeout", "aborted", "withdrawn"]);
    expect(r.size).toBe(0);
  });
});

describe("askInChat", () => {
  const message = (from: string): InboundMessage =>
    ({ id: 1, accountId: A, fromUserId: from, items: [], state: "processing" }) as unknown as InboundMessage;

  function harness(from: string, sent: QuestionSent = "sent") {
    const notices: { to: string; text: string }[] = [];
    const questions: { to: string; text: string; file?: string }[] = [];
    const asks = new AskRegistry();
    const ended = new AbortController();
    const ctx: AskContext = {
      message: message(from),
      signal: never,
      ended: ended.signal,
      asks,
      delivery: {
        async sendNotice(m, text, o) {
          notices.push({ to: o?.toUserId ?? m.fromUserId, text });
        },
        async sendQuestion(m, text, o) {
          questions.push({ to: o?.toUserId ?? m.fromUserId, text, ...(o?.file ? { file: o.file } : {}) });
          return sent;
        },
      },
      ownerOf: async () => "owner",
      defaultTimeoutMs: 60_000,
      onWaiting() {},
      logger: createLogger("test"),
    };
    return { ctx, notices, questions, asks, ended };
  }

  it("shows the command exactly: every line, no cut, no redaction, invisible characters visible", async () => {
    const h = harness("bob");
    const command = `ls\ncat ../../../admin-token # sk-${"k".repeat(40)}\u202e\n${"x".repeat(400)}`;
    const p = askInChat(
      "🔐 Allow run_command?",
      { to: "owner", verbatim: command, answers: ["y", "n"] },
      h.ctx,
    );
    await vi.waitFor(() => expect(h.questions).toHaveLength(1));
    const q = h.questions[0];
    expect(q?.to).toBe("owner");
    expect(q?.text).toContain(showInvisible(command));
    expect(q?.text).toContain("\\u{202e}");
    expect(q?.text).toMatch(/^Question #1, for bob:\n/);
    expect(q?.text).toContain("y 1");
    expect(h.notices).toEqual([{ to: "bob", text: expect.stringMatching(/owner's approval.*#1/) }]);
    h.asks.offer(dm("owner"), "owner", "y");
    expect(await p).toBe("y");
  });

  it("a command too long for one message goes as a file holding it exactly, and the question says so", async () => {
    const h = harness("owner");
    const command = `echo start\n${"y".repeat(INLINE_VERBATIM_MAX_CHARS)}\necho end`;
    const p = askInChat("🔐 Allow run_command?", { to: "owner", verbatim: command }, h.ctx);
    await vi.waitFor(() => expect(h.questions).toHaveLength(1));
    const q = h.questions[0];
    expect(q?.file).toBeDefined();
    const { readFile } = await import("node:fs/promises");
    expect(await readFile(q?.file as string, "utf8")).toBe(command);
    expect(q?.text).toMatch(/attached file question-1-\d+\.txt/);
    expect(q?.text).not.toContain("echo end");
    h.ended.abort();
    expect(await p).toBeUndefined();
    await vi.waitFor(() =>
      expect(h.notices.map((n) => n.text)).toContain(
        "Question #1 is withdrawn: the request ended before an answer (the agent stopped or failed).",
      ),
    );
  });

  it("held back by the quota: marked for the admin UI, and the asking contact is told", async () => {
    const h = harness("bob", "held");
    void askInChat("🔐 Allow?", { to: "owner", answers: ["y", "n"] }, h.ctx);
    await vi.waitFor(() => expect(h.notices).toHaveLength(1));
    expect(h.asks.pending()[0]).toMatchObject({ number: 1, undelivered: true, forUserId: "bob" });
    expect(h.notices[0]?.text).toMatch(/cannot reach them until they write/);
  });

  it("an expired question tells the person asked, and the contact it was for", async () => {
    vi.useFakeTimers();
    const h = harness("bob");
    const p = askInChat("🔐 Allow?", { to: "owner", timeoutMs: 5_000, answers: ["y", "n"] }, h.ctx);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(await p).toBeUndefined();
    expect(h.notices).toEqual(
      expect.arrayContaining([
        { to: "owner", text: "Question #1 expired without an answer; taken as no." },
        { to: "bob", text: "The owner did not answer in time (question #1); not done." },
      ]),
    );
  });
});
