/**
 * Step 4, pending asks: a message may answer a question an agent asked in the chat (`AgentIO.ask`).
 * This step owns the open questions (the turn step opens them); a message it takes as an answer,
 * or answers itself, goes no further.
 */
import type { InboundMessage } from "../../store/types.js";
import { AskRegistry, whichText } from "../asks.js";
import type { Step } from "./compose.js";
import type { Commanded } from "./context.js";
import type { Notices } from "./notices.js";

const YES_NO = /^(?:y|yes|n|no|ok|是|好|好的|可以|否|不|不行)(?:\s+#?\d+)?[.!。！]*$/iu;

function looksLikeYesNo(text: string): boolean {
  return YES_NO.test(text.trim());
}

export interface PendingAsksStepOptions {
  notices: Pick<Notices, "finish" | "notice" | "words">;
}

export class PendingAsksStep {
  readonly #o: PendingAsksStepOptions;
  /** The questions agents asked that wait for an answer. */
  readonly asks = new AskRegistry();

  constructor(options: PendingAsksStepOptions) {
    this.#o = options;
  }

  readonly step: Step<Commanded> = async (ctx, next) => {
    if (ctx.text !== undefined && !ctx.replay && this.#offerAnswer(ctx.key, ctx.message, ctx.text)) return;
    return next(ctx);
  };

  /**
   * The message as an answer to one of the sender's open questions: taken (true), or a bare answer
   * while several wait (told which, true), or a yes/no from a contact whose question waits for the
   * owner (told so, true). False: not an answer, it goes on as a message.
   */
  #offerAnswer(key: string, message: InboundMessage, text: string): boolean {
    const { notices } = this.#o;
    const offer = this.asks.offer(key, message.fromUserId, text);
    if (offer.kind === "answered") {
      // Never rejects (a store failure is logged).
      void notices.finish(message, "done", `answer to question #${offer.number}`);
      return true;
    }
    if (offer.kind === "released") {
      notices.notice(message, notices.words(message).askReleased({ number: offer.number }));
      return true;
    }
    if (offer.kind === "which") {
      notices.notice(message, whichText(offer.waiting, offer.unknownNumber, notices.words(message)));
      return true;
    }
    const forOwner = this.asks.askedForOthers(message);
    if (forOwner.length > 0 && looksLikeYesNo(text)) {
      const numbers = forOwner.map((a) => `#${a.number}`).join(", ");
      notices.notice(message, notices.words(message).askWaitsForOwner({ numbers }));
      return true;
    }
    return false;
  }
}
