/**
 * What the dispatch steps record and say outside an agent's reply: the final state of an inbound
 * message and gateway notices (command answers, refusals, failures), in the account's language.
 */
import { type Lang, systemLanguage } from "../../shared/i18n.js";
import type { AsyncStore } from "../../store/async.js";
import type { InboundMessage } from "../../store/types.js";
import type { Logger } from "../../util/logger.js";
import { errText } from "../../util/logger.js";
import type { DeliveryPort } from "../ports.js";
import { type GatewayWords, gatewayWords } from "../texts.js";
import type { FinishState } from "./options.js";

export interface NoticesOptions {
  store: Pick<AsyncStore, "inbound">;
  delivery: Pick<DeliveryPort, "sendNotice">;
  /** The language an account speaks to its contacts in (default: the system's). */
  languageFor?: ((accountId: string) => Lang) | undefined;
  logger: Logger;
}

export class Notices {
  readonly #o: NoticesOptions;

  constructor(options: NoticesOptions) {
    this.#o = options;
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
      this.#o.logger.error({ err: errText(err), inboundId: message.id }, "could not send a gateway notice");
    }
  }

  /** Record the message's final state; a store failure is logged, never thrown. */
  async finish(message: InboundMessage, state: FinishState, reason?: string): Promise<void> {
    try {
      await this.#o.store.inbound.setState(message.id, state, reason);
    } catch (err) {
      this.#o.logger.error(
        { err: errText(err), inboundId: message.id },
        "could not record the message state",
      );
    }
  }
}
