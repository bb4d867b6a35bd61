/** Job step 1, reset: `/new` forgets the conversation (the agent's `reset`) and says so; turns go on. */
import type { Agent } from "../../agent/types.js";
import type { AsyncStore } from "../../store/async.js";
import type { Logger } from "../../util/logger.js";
import { errText } from "../../util/logger.js";
import type { DeliveryPort } from "../ports.js";
import type { Step } from "./compose.js";
import { contactOf } from "./contact.js";
import type { Job } from "./context.js";
import type { Notices } from "./notices.js";

export interface ResetStepOptions {
  store: Pick<AsyncStore, "accounts">;
  agent: Pick<Agent, "reset">;
  delivery: Pick<DeliveryPort, "sendNotice">;
  notices: Pick<Notices, "finish" | "lang" | "words">;
  logger: Logger;
}

export function resetStep(o: ResetStepOptions): Step<Job, Job & { kind: "turn" }> {
  return async (job, next) => {
    if (job.kind === "turn") return next({ ...job, kind: "turn" });
    const { message } = job;
    try {
      await o.agent.reset?.(await contactOf(o.store, message, o.notices.lang(message)));
      await o.delivery.sendNotice(message, o.notices.words(message).newConversation);
      await o.notices.finish(message, "done", "/new");
    } catch (err) {
      o.logger.error({ err: errText(err), inboundId: message.id }, "/new failed");
      await o.notices.finish(message, "failed", `/new failed: ${errText(err)}`);
    }
  };
}
