/**
 * Job step 3, input: what the agent gets. The message's content (long texts cut, unknown items
 * described), the text the access policy left, who wrote it, and the quoted message: from the
 * message itself, or from the store when a newer WeChat client quotes by id only.
 */
import type { AgentInput, QuotedMessage } from "../../agent/types.js";
import type { AsyncStore } from "../../store/async.js";
import type { InboundMessage } from "../../store/types.js";
import type { Logger } from "../../util/logger.js";
import { errText } from "../../util/logger.js";
import { describeContent, withFirstText } from "../inbound.js";
import { type QuoteSources, restoreQuote } from "../quotes.js";
import type { Step } from "./compose.js";
import { contactOf } from "./contact.js";
import type { Framed, WithInput } from "./context.js";
import type { Notices } from "./notices.js";

export interface InputStepOptions {
  store: Pick<AsyncStore, "accounts"> & QuoteSources;
  /** Longer texts reach the agent cut, with a note. */
  maxTextChars: number;
  /** Where inbound media is saved: a quote naming an earlier picture by id gets its file. */
  mediaDir: string | undefined;
  notices: Pick<Notices, "lang">;
  logger: Logger;
}

export function inputStep(o: InputStepOptions): Step<Framed, WithInput> {
  /** The quoted message from the store (never throws). */
  const storedQuote = async (message: InboundMessage): Promise<QuotedMessage | undefined> => {
    try {
      return await restoreQuote(o.store, message, o.mediaDir ? { mediaDir: o.mediaDir } : {});
    } catch (err) {
      o.logger.warn({ err: errText(err), inboundId: message.id }, "could not restore the quoted message");
      return undefined;
    }
  };
  return async (ctx, next) => {
    const { message, agentText } = ctx;
    const source = agentText === undefined ? message : withFirstText(message, agentText);
    const content = describeContent(source, o.maxTextChars);
    if (content.unknownTypes.length > 0 || content.truncatedChars > 0) {
      o.logger.warn(
        { inboundId: message.id, unknownTypes: content.unknownTypes, truncatedChars: content.truncatedChars },
        "inbound message has unsupported items or was cut",
      );
    }
    const contact = await contactOf(o.store, message, o.notices.lang(message));
    const input: AgentInput = {
      contact,
      messageId: String(message.id),
      text: content.text,
      media: content.media,
      signal: ctx.turn.signal,
    };
    const quote = content.quote ?? (await storedQuote(message));
    if (quote) input.quote = quote;
    return next({ ...ctx, contact, input });
  };
}
