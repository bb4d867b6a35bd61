/**
 * Job step 4, media: inbound media is fetched (its `path` filled in on the agent's input) by the
 * gateway's media hook. When every item was unusable and the contact was told so, that notice was
 * the answer: the turn ends here, skipped.
 */
import type { AgentInput } from "../../agent/types.js";
import type { InboundMessage } from "../../store/types.js";
import type { Step } from "./compose.js";
import type { WithInput } from "./context.js";

export interface MediaStepOptions {
  /** Fill in `path` of inbound media; `"answered"`: the user was already told all there is. */
  resolveMedia: ((message: InboundMessage, input: AgentInput) => Promise<unknown>) | undefined;
}

export function mediaStep(o: MediaStepOptions): Step<WithInput> {
  return async (ctx, next) => {
    if ((await o.resolveMedia?.(ctx.message, ctx.input)) === "answered") {
      await ctx.turn.finish("done", "media unusable: the contact was told", "skipped");
      return;
    }
    return next(ctx);
  };
}
