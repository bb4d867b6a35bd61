/**
 * What the dispatcher records and says outside an agent's reply: the final state of an inbound
 * message, gateway notices (command answers, refusals, failures) and the one notice per flood.
 */
import { type Lang, systemLanguage } from "../shared/i18n.js";
import type { InboundMessage } from "../store/types.js";
import type { Logger } from "../util/logger.js";
import { errText } from "../util/logger.js";
import type { DispatchOptions, FinishState } from "./dispatcher-types.js";
import { type GatewayWords, gatewayWords } from "./texts.js";

export class Notices {
  readonly #o: Pick<DispatchOptions, "store" | "delivery" | "languageFor">;
  readonly #log: Logger;
  /** Conversations refused as a flood since their queue last had room: they had their notice. */
  readonly #flooded = new Set<string>();

  constructor(options: Pick<DispatchOptions, "store" | "delivery" | "logger" | "languageFor">) {
    this.#o = options;
    this.#log = options.logger;
  }

  /** The language of the account the message came to. */
  lang(message: Pick<InboundMessage, "accountId">): Lang {
    return this.#o.languageFor?.(message.accountId) ?? systemLanguage();
  }

  /** The gateway's words in that language. */
  words(message: Pick<InboundMessage, "accountId">): GatewayWords {
    return gatewayWords(this.lang(message));
  }

  /** Send `text`, then record the message done (also when the notice could not be sent). */
  notice(message: InboundMessage, text: string): void {
    void this.sendQuiet(message, text).then(() => this.finish(message, "done"));
  }

  /** Send a notice; a failure is logged, never thrown. */
  async sendQuiet(message: InboundMessage, text: string): Promise<void> {
    try {
      await this.#o.delivery.sendNotice(message, text);
    } catch (err) {
      this.#log.error({ err: errText(err), inboundId: message.id }, "could not send a gateway notice");
    }
  }

  /** Record the message's final state; a store failure is logged, never thrown. */
  finish(message: InboundMessage, state: FinishState, reason?: string): void {
    try {
      this.#o.store.inbound.setState(message.id, state, reason);
    } catch (err) {
      this.#log.error({ err: errText(err), inboundId: message.id }, "could not record the message state");
    }
  }

  /** Refuse a message of a conversation with `max` turns queued; only its first refusal is told. */
  flood(key: string, message: InboundMessage, max: number): void {
    this.#log.warn(
      { from: message.fromUserId, inboundId: message.id, max },
      "contact flooding: message refused",
    );
    this.finish(message, "refused", `flood: ${max} messages already queued`);
    if (this.#flooded.has(key)) return;
    this.#flooded.add(key);
    void this.sendQuiet(message, this.words(message).flood({ max }));
  }

  /** The conversation's queue had room again: its next flood gets a notice. */
  floodEnded(key: string): void {
    this.#flooded.delete(key);
  }
}
