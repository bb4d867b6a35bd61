/**
 * `AgentIO.ask` in the chat: number the question, show what is to be approved exactly (a long
 * text as an attached file), send it past the outbox so it is not stuck behind deferred replies,
 * tell the contact when someone else (the owner) must answer, and say how the question ended
 * when it ends without an answer (expired, withdrawn because the turn ended).
 */
import { mkdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AskOptions } from "../agent/types.js";
import { type Lang, orList, systemLanguage } from "../shared/i18n.js";
import { showInvisible } from "../shared/invisible.js";
import type { InboundMessage } from "../store/types.js";
import type { Logger } from "../util/logger.js";
import { errText } from "../util/logger.js";
import type { AskEnd, AskRegistry } from "./asks.js";
import type { DeliveryPort, QuestionSent } from "./ports.js";
import { type GatewayWords, gatewayWords } from "./texts.js";

/** A verbatim text longer than this (characters or lines) goes as a file instead of inline. */
export const INLINE_VERBATIM_MAX_CHARS = 1200;
export const INLINE_VERBATIM_MAX_LINES = 40;

export interface AskContext {
  /** The message whose turn asks. */
  message: InboundMessage;
  /** The turn's signal: an abort (/stop, shutdown) ends the wait with `undefined`. */
  signal: AbortSignal;
  /** Aborted once the turn has ended: a question still open is withdrawn, and the person told. */
  ended?: AbortSignal;
  asks: AskRegistry;
  delivery: Pick<DeliveryPort, "sendNotice" | "sendQuestion">;
  ownerOf(accountId: string): Promise<string | undefined>;
  /** The account's language (default: the system's). */
  lang?: Lang;
  defaultTimeoutMs: number;
  /** Where long verbatim texts are written to be sent as files (default: the OS temp dir). */
  fileDir?: string;
  /** The turn is waiting for an answer (true) or not any more (false). */
  onWaiting(waiting: boolean): void;
  logger: Logger;
}

function needsFile(verbatim: string): boolean {
  return (
    verbatim.length > INLINE_VERBATIM_MAX_CHARS || verbatim.split("\n").length > INLINE_VERBATIM_MAX_LINES
  );
}

async function writeVerbatimFile(dir: string, name: string, text: string): Promise<string> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, name);
  await writeFile(path, text, { mode: 0o600 });
  return path;
}

function who(message: InboundMessage, w: GatewayWords): string {
  return message.groupId
    ? w.askWhoInGroup({ user: message.fromUserId, group: message.groupId })
    : message.fromUserId;
}

/** Who the question goes to: the asking contact, or the owner (`to: "owner"`). */
interface Target {
  userId: string;
  groupId: string | undefined;
  /** It goes to someone else than the asker (the owner). */
  forOther: boolean;
  /** `sendNotice`'s target of messages to that person. */
  notice: { toUserId: string } | undefined;
}

/** `AgentIO.ask`: send the question to the contact (or the owner), then wait for their answer. */
export async function askInChat(
  question: string,
  options: AskOptions,
  c: AskContext,
): Promise<string | undefined> {
  const { message } = c;
  const lang = c.lang ?? systemLanguage();
  const w = gatewayWords(lang);
  const target = await targetOf(options, c, w);
  if (!target) return undefined;
  const timeoutMs = options.timeoutMs ?? c.defaultTimeoutMs;
  const open = openQuestion(options, c, w, target, timeoutMs);
  const text = await questionText(question, options, c, lang, target, open.number);
  if (text === undefined) {
    open.drop();
    return undefined;
  }
  open.setQuestion(text.text);
  const sent = await sendQuestion(c, text, target);
  if (sent === "held") {
    open.markUndelivered();
    c.logger.warn(
      { accountId: message.accountId, to: target.userId, question: open.number },
      "a question waits for the person's send quota: it goes out when they write again",
    );
  }
  if (target.forOther) {
    const { number } = open;
    const wait =
      sent === "held"
        ? w.askOwnerUnreachable({ number, minutes: Math.round(timeoutMs / 60_000) || 1 })
        : w.askOwnerAsked({ number });
    await quietly(c, () => c.delivery.sendNotice(message, wait));
  }
  c.onWaiting(true);
  try {
    return await open.answer;
  } finally {
    c.onWaiting(false);
  }
}

/** The asker, or the owner; undefined (and the asker told) when the owner is asked but unknown. */
async function targetOf(options: AskOptions, c: AskContext, w: GatewayWords): Promise<Target | undefined> {
  const { message } = c;
  if (options.to !== "owner")
    return { userId: message.fromUserId, groupId: message.groupId, forOther: false, notice: undefined };
  const owner = await c.ownerOf(message.accountId);
  if (!owner) {
    c.logger.warn({ accountId: message.accountId }, "ask to owner: the account has no owner recorded");
    await quietly(c, () => c.delivery.sendNotice(message, w.askNoOwner));
    return undefined;
  }
  const forOther = owner !== message.fromUserId;
  return { userId: owner, groupId: undefined, forOther, notice: forOther ? { toUserId: owner } : undefined };
}

/** Register the question (numbered); when it ends unanswered the people concerned are told how. */
function openQuestion(
  options: AskOptions,
  c: AskContext,
  w: GatewayWords,
  target: Target,
  timeoutMs: number,
) {
  const { message } = c;
  let number = 0;
  const onEnd = (why: AskEnd) => {
    if (why === "timeout") {
      void quietly(c, () =>
        c.delivery.sendNotice(
          message,
          w.askExpired({ number, takenAsNo: options.answers !== undefined }),
          target.notice,
        ),
      );
      if (target.forOther) void quietly(c, () => c.delivery.sendNotice(message, w.askOwnerLate({ number })));
    } else if (why === "withdrawn") {
      void quietly(c, () => c.delivery.sendNotice(message, w.askWithdrawn({ number }), target.notice));
    }
  };
  const open = c.asks.open(
    { accountId: message.accountId, userId: target.userId, groupId: target.groupId },
    timeoutMs,
    c.signal,
    {
      forUserId: message.fromUserId,
      forGroupId: message.groupId,
      ...(c.ended ? { withdraw: c.ended } : {}),
    },
    onEnd,
  );
  number = open.number;
  return open;
}

/**
 * The question's text: head, question, the verbatim text (inline, or written to a file that goes
 * with it), how to answer. Undefined when the file could not be written (the question is refused).
 */
async function questionText(
  question: string,
  options: AskOptions,
  c: AskContext,
  lang: Lang,
  target: Target,
  number: number,
): Promise<{ text: string; file: string | undefined } | undefined> {
  const w = gatewayWords(lang);
  const head = target.forOther ? w.askHeadFor({ number, who: who(c.message, w) }) : w.askHead({ number });
  const lines = [head, question];
  let file: string | undefined;
  if (options.verbatim !== undefined) {
    if (needsFile(options.verbatim)) {
      const name = `question-${number}-${Date.now()}.txt`;
      try {
        file = await writeVerbatimFile(
          c.fileDir ?? join(tmpdir(), "wxagent-questions"),
          name,
          options.verbatim,
        );
        const count = options.verbatim.split("\n").length;
        lines.push(w.askInFile({ chars: options.verbatim.length, lines: count, name }));
      } catch (err) {
        c.logger.error({ err: errText(err) }, "could not write the question's file; the question is refused");
        return undefined;
      }
    } else {
      lines.push(w.askExactly, showInvisible(options.verbatim), "▲");
    }
  }
  const answers = options.answers;
  lines.push(
    answers?.[0] !== undefined
      ? w.askReplyWith({ answers: orList(lang, answers), first: answers[0], number })
      : w.askReplyAny({ number }),
  );
  return { text: lines.join("\n"), file };
}

/** Send the question past the outbox (`sendQuestion`) when delivery can; never throws. */
async function sendQuestion(
  c: AskContext,
  q: { text: string; file: string | undefined },
  target: Target,
): Promise<QuestionSent> {
  try {
    if (c.delivery.sendQuestion)
      return await c.delivery.sendQuestion(c.message, q.text, {
        ...target.notice,
        ...(q.file ? { file: q.file } : {}),
      });
    await c.delivery.sendNotice(c.message, q.text, target.notice);
    return "sent";
  } catch (err) {
    c.logger.error({ err: errText(err), inboundId: c.message.id }, "could not send a question");
    return "failed";
  }
}

async function quietly(c: AskContext, send: () => Promise<void>): Promise<void> {
  try {
    await send();
  } catch (err) {
    c.logger.error(
      { err: errText(err), inboundId: c.message.id },
      "could not send a notice about a question",
    );
  }
}
