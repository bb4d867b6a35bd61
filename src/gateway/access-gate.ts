/**
 * The access check in front of dispatch: the policy module (`policy/`) decides, this file only
 * adapts its verdict and makes sure a throwing policy refuses (fails closed) instead of crashing.
 */
import type { InboundMessage } from "../store/types.js";
import type { Logger } from "../util/logger.js";
import { errText } from "../util/logger.js";

/** The part of `policy/AccessPolicy` dispatch uses (structural, so tests can pass a stub). */
export interface AccessCheck {
  check(request: {
    accountId: string;
    fromUserId: string;
    groupId?: string | undefined;
    text?: string | undefined;
    /** The message answers an open question: it is not counted against rate limits. */
    answer?: boolean | undefined;
  }): AccessVerdictLike;
}

export type AccessVerdictLike =
  | { verdict: "allow"; text: string | undefined }
  | { verdict: "refuse"; code: string; reason: string; reply?: string };

export type Admission =
  | { allowed: true /** The agent's text when the policy changed it, else null. */; text: string | null }
  | { allowed: false; reason: string; reply?: string };

export function admit(
  policy: AccessCheck,
  message: InboundMessage,
  text: string | undefined,
  log: Logger,
  answer = false,
): Admission {
  let verdict: AccessVerdictLike;
  try {
    verdict = policy.check({
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
