/**
 * Step 1, access: who may talk to the bot is checked before anything else. The policy module
 * (`policy/`) decides; this step adapts its verdict, makes sure a throwing policy refuses (fails
 * closed) instead of crashing, and records and answers a refusal. Past it: the agent's text when
 * the policy rewrote it.
 */
import type { InboundMessage } from "../../store/types.js";
import type { Logger } from "../../util/logger.js";
import { errText } from "../../util/logger.js";
import type { Step } from "./compose.js";
import type { Admitted, Arrival } from "./context.js";
import type { Notices } from "./notices.js";

/** The part of `policy/AccessPolicy` dispatch uses (structural, so tests can pass a stub). */
export interface AccessCheck {
  check(request: {
    accountId: string;
    fromUserId: string;
    groupId?: string | undefined;
    text?: string | undefined;
    /** The message answers an open question: it is not counted against rate limits. */
    answer?: boolean | undefined;
  }): AccessVerdictLike | Promise<AccessVerdictLike>;
}

export type AccessVerdictLike =
  | { verdict: "allow"; text: string | undefined }
  | { verdict: "refuse"; code: string; reason: string; reply?: string };

export type Admission =
  | { allowed: true /** The agent's text when the policy changed it, else null. */; text: string | null }
  | { allowed: false; reason: string; reply?: string };

export async function admit(
  policy: AccessCheck,
  message: InboundMessage,
  text: string | undefined,
  log: Logger,
  answer = false,
): Promise<Admission> {
  let verdict: AccessVerdictLike;
  try {
    verdict = await policy.check({
      accountId: message.accountId,
      fromUserId: message.fromUserId,
      groupId: message.groupId,
      text,
      ...(answer ? { answer: true } : {}),
    });
  } catch (err) {
    log.error({ err: errText(err), inboundId: message.id }, "access check failed: message refused");
    return { allowed: false, reason: "access check failed" };
  }
  if (verdict.verdict === "allow") return { allowed: true, text: verdict.text ?? null };
  log.info({ inboundId: message.id, from: message.fromUserId, code: verdict.code }, "message refused");
  return verdict.reply
    ? { allowed: false, reason: verdict.reason, reply: verdict.reply }
    : { allowed: false, reason: verdict.reason };
}

export interface AccessStepOptions {
  /** No policy: every message passes unchanged. */
  access: AccessCheck | undefined;
  /** The text would answer an open question (then it does not count against rate limits). */
  isAnswer(key: string, fromUserId: string, text: string): boolean;
  notices: Pick<Notices, "finish" | "sendQuiet">;
  logger: Logger;
}

export function accessStep(o: AccessStepOptions): Step<Arrival, Admitted> {
  return async (ctx, next) => {
    const policy = o.access;
    if (!policy) return next({ ...ctx, agentText: undefined });
    const { message, text, key } = ctx;
    // An answer to an open question is not a new request: it does not count against rate limits.
    const answer = text !== undefined && !ctx.replay && o.isAnswer(key, message.fromUserId, text);
    const outcome = await admit(policy, message, text, o.logger, answer);
    if (!outcome.allowed) {
      await o.notices.finish(message, "refused", outcome.reason);
      if (outcome.reply) void o.notices.sendQuiet(message, outcome.reply);
      return;
    }
    if (outcome.text === null) return next({ ...ctx, agentText: undefined });
    return next({ ...ctx, text: outcome.text, agentText: outcome.text });
  };
}
