/**
 * Step 2, announce: an admitted message (not a replay) is handed to `delivery.onInbound` (which
 * opens the sender's send window). The calls run one after another, in arrival order, never throw,
 * and do not hold the message up.
 */
import type { InboundMessage } from "../../store/types.js";
import type { Logger } from "../../util/logger.js";
import { errText } from "../../util/logger.js";
import type { DeliveryPort } from "../ports.js";
import type { Step } from "./compose.js";
import type { Admitted } from "./context.js";

export interface AnnounceStepOptions {
  delivery: Pick<DeliveryPort, "onInbound">;
  logger: Logger;
}

export class AnnounceStep {
  readonly #o: AnnounceStepOptions;
  #chain: Promise<void> = Promise.resolve();

  constructor(options: AnnounceStepOptions) {
    this.#o = options;
  }

  readonly step: Step<Admitted> = async (ctx, next) => {
    if (!ctx.replay) this.#announce(ctx.message);
    return next(ctx);
  };

  /** Resolves once every call so far has settled (shutdown waits for it). */
  settled(): Promise<void> {
    return this.#chain;
  }

  #announce(message: InboundMessage): void {
    this.#chain = this.#chain.then(() =>
      this.#o.delivery.onInbound(message).catch((err: unknown) => {
        this.#o.logger.error({ err: errText(err), inboundId: message.id }, "delivery.onInbound failed");
      }),
    );
  }
}
