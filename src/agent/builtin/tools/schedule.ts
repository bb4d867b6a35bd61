/**
 * `schedule`: the contact's own reminders and scheduled messages (create, list, cancel), through
 * the gateway's scheduler (`AgentIO.schedule`). The gateway validates, limits and stores the job;
 * the answer tells the model what happened, including when the 24 h window will hold a message.
 */
import { tool } from "ai";
import { z } from "zod";
import { messageOf } from "../../../shared/wx-error.js";
import type { ToolContext } from "./context.js";

export const SCHEDULE_DESCRIPTION =
  "Reminders and scheduled messages for this chat. action=create with exactly one of at (ISO time, or 'YYYY-MM-DD HH:MM' / 'HH:MM' in tz), in (duration: 90s, 45m, 2h, 1d) or cron (five fields, e.g. '0 8 * * 1-5' for weekdays 08:00), plus exactly one of text (sent as written when it fires) or prompt (you are asked it then, and your answer is sent). tz is an IANA zone such as Asia/Shanghai. action=list shows the jobs; action=cancel takes id. WeChat lets the bot write only within 24 h of the contact's last message: tell them when the answer says a message will be held.";

export function scheduleTool(ctx: ToolContext) {
  return tool({
    description: SCHEDULE_DESCRIPTION,
    inputSchema: z.object({
      action: z.enum(["create", "list", "cancel"]),
      at: z.string().max(100).optional(),
      in: z.string().max(40).optional(),
      cron: z.string().max(100).optional(),
      tz: z.string().max(64).optional(),
      text: z.string().max(4000).optional(),
      prompt: z.string().max(4000).optional(),
      id: z.number().int().positive().optional(),
    }),
    execute: async (input) => {
      const s = ctx.io.schedule;
      if (!s) return "Scheduling is not available in this gateway.";
      try {
        if (input.action === "list") return await s.list();
        if (input.action === "cancel") {
          if (input.id === undefined) return "cancel needs the job's id (see action=list).";
          return await s.cancel(input.id);
        }
        const { action: _a, id: _i, ...request } = input;
        return await s.create(request);
      } catch (err) {
        return `REFUSED: ${messageOf(err)}`;
      }
    },
  });
}
