/**
 * Job step 6, reply: the agent's reply checked against the contact's workspace (`<<FILE:…>>` tags
 * and files, only when the preset allows `send_file`; a long reply as a `.md`), then delivered:
 * a message's through delivery (its row done), a scheduled prompt's through its own hooks.
 */

import type { Agent, AgentReply, Contact } from "../../agent/types.js";
import { isStoreError } from "../../store/errors.js";
import type { InboundMessage } from "../../store/types.js";
import type { Logger } from "../../util/logger.js";
import { errText } from "../../util/logger.js";
import type { MediaLimits } from "../media/index.js";
import type { DeliveryPort } from "../ports.js";
import { prepareReplyMedia } from "../reply-media.js";
import type { Step } from "./compose.js";
import type { Answered } from "./context.js";
import type { Notices } from "./notices.js";

export interface ReplyStepOptions {
  agent: Pick<Agent, "sendFilePermission">;
  delivery: Pick<DeliveryPort, "deliverReply">;
  /** The contact's workspace; none (tests, other platforms): replies go out as the agent wrote them. */
  workspaceDirFor: ((contact: Contact) => string) | undefined;
  mediaLimits: Partial<MediaLimits> | undefined;
  /** A reply needing more bubbles than this goes as a summary plus a `.md` file. */
  maxReplyBubbles: number | undefined;
  /** Bubble size used to count a reply's bubbles. */
  chunkChars: number | undefined;
  notices: Pick<Notices, "lang">;
  /** See DispatchOptions.onLeft. */
  onLeft: ((accountId: string) => void) | undefined;
  logger: Logger;
}

export function replyStep(o: ReplyStepOptions): Step<Answered, never> {
  /** Files named by the reply checked against the contact's workspace; a long text becomes a `.md`. */
  const prepare = async (
    message: InboundMessage,
    contact: Contact,
    reply: AgentReply,
  ): Promise<AgentReply> => {
    if (!o.workspaceDirFor) return reply;
    const options = {
      workspaceDir: o.workspaceDirFor(contact),
      // `<<FILE:…>>` obeys the preset: only a contact allowed send_file gets files with a reply.
      allowFiles: ((await o.agent.sendFilePermission?.(contact)) ?? "allow") === "allow",
      limits: o.mediaLimits,
      maxBubbles: o.maxReplyBubbles,
      chunkChars: o.chunkChars,
      lang: o.notices.lang(message),
    };
    return prepareReplyMedia(reply, options, (err) =>
      o.logger.error({ err: errText(err), inboundId: message.id }, "preparing the reply's files failed"),
    );
  };
  return async (ctx) => {
    const { message, turn, scheduled } = ctx;
    const reply = await prepare(message, ctx.contact, ctx.reply);
    ctx.progress.close();
    try {
      if (scheduled) await scheduled.deliver(reply);
      else {
        await o.delivery.deliverReply(message, reply);
        await turn.finish("done");
      }
    } catch (err) {
      if (isStoreError(err, "LEASE_LOST")) {
        // The account moved to another node while this turn ran: that node replays the message
        // and answers it; its state is that node's to record.
        o.logger.info(
          { inboundId: message.id },
          "lease lost during the turn: the reply is left to the new holder",
        );
        o.onLeft?.(message.accountId);
        return;
      }
      // The reply could not even be recorded: a notice would fail the same way.
      o.logger.error({ err: errText(err), inboundId: message.id }, "delivering the reply failed");
      await turn.finish("failed", `delivery failed: ${errText(err).slice(0, 300)}`);
    }
  };
}
