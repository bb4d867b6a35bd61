/**
 * Step 3, commands: the slash commands the dispatcher answers itself, outside the turn queue.
 * `/stop`, `/unlock` and `/lock` come before pending questions (a passphrase must never be taken as
 * an answer); `/help` and `/status` after them (`infoStep`). `/new` is a queued reset job
 * (reset.ts). Parsing and the fixed texts are in ../commands.ts.
 */
import type { Agent, Contact } from "../../agent/types.js";
import { MessageItemType } from "../../ilink/wire.js";
import type { AsyncStore } from "../../store/async.js";
import type { InboundMessage } from "../../store/types.js";
import type { Logger } from "../../util/logger.js";
import { errText } from "../../util/logger.js";
import { commandArg, parseCommand, statusText, type UnlockHook, unlockAnswer } from "../commands.js";
import { sendsLeft } from "../delivery/quota.js";
import type { DeliveryPort } from "../ports.js";
import { REDACTED_UNLOCK } from "../unlock-scrub.js";
import type { Step } from "./compose.js";
import { contactOf } from "./contact.js";
import type { Admitted, Commanded } from "./context.js";
import type { RunningTurns } from "./frame.js";
import type { Notices } from "./notices.js";
import { TurnAborted } from "./turn-parts.js";

export interface CommandsStepOptions {
  store: Pick<AsyncStore, "accounts" | "inbound" | "contextTokens" | "outbound">;
  agent: Pick<Agent, "commands">;
  delivery: Pick<DeliveryPort, "sendNotice">;
  /** `/unlock <passphrase>` and `/lock`; without it both answer that unlocking is not enabled. */
  unlock: UnlockHook | undefined;
  /** Bot messages per inbound message, for `/status`. */
  sendQuota: number;
  /** Turns in progress by conversation (the frame step's). */
  turns: RunningTurns;
  /** Turns waiting in a conversation's queue (the queue step's). */
  queuedFor(key: string): number;
  notices: Notices;
  logger: Logger;
}

export class CommandsStep {
  readonly #o: CommandsStepOptions;

  constructor(options: CommandsStepOptions) {
    this.#o = options;
  }

  /** `/stop`, `/unlock`, `/lock`: answered here; anything else goes on with its command parsed. */
  readonly step: Step<Admitted, Commanded> = async (ctx, next) => {
    const { message, text } = ctx;
    const command = parseCommand(text);
    if (command === "stop") return this.#stop(ctx.key, message);
    if ((command === "unlock" || command === "lock") && text !== undefined)
      return this.#unlock(message, command, commandArg(text));
    return next({ ...ctx, command });
  };

  /** `/help` and `/status`, after pending questions had their chance. */
  readonly infoStep: Step<Commanded> = async (ctx, next) => {
    if (ctx.command === "help") return this.#help(ctx.message);
    if (ctx.command === "status") return this.#status(ctx.key, ctx.message);
    return next(ctx);
  };

  /**
   * `/stop`: abort the conversation's running turn, if any. In a group only the member whose turn
   * it is, or the owner, may stop it: another member's `/stop` is refused and the turn goes on.
   */
  async #stop(key: string, message: InboundMessage): Promise<void> {
    const { notices } = this.#o;
    const running = this.#o.turns.get(key);
    if (
      running &&
      !running.abort.signal.aborted &&
      running.message.fromUserId !== message.fromUserId &&
      !(await this.#contact(message)).isOwner
    ) {
      this.#o.logger.info(
        { inboundId: message.id, from: message.fromUserId, turnOf: running.message.fromUserId },
        "/stop refused: the turn is another member's",
      );
      notices.notice(message, notices.words(message).stopNotYours);
      return;
    }
    if (running && !running.abort.signal.aborted) {
      running.abort.abort(new TurnAborted("stop"));
      notices.notice(message, notices.words(message).stopped);
    } else {
      notices.notice(message, notices.words(message).stopNothing);
    }
  }

  /** Who wrote `message`, with the account's language. */
  #contact(message: InboundMessage): Promise<Contact> {
    return contactOf(this.#o.store, message, this.#o.notices.lang(message));
  }

  /** `/unlock …` and `/lock`. The argument (a passphrase) is never logged, stored as a reason or echoed. */
  async #unlock(message: InboundMessage, command: "unlock" | "lock", arg: string): Promise<void> {
    const { notices, logger: log } = this.#o;
    const contact = await this.#contact(message);
    if (command === "unlock" && arg === REDACTED_UNLOCK.slice("/unlock ".length)) {
      // Replayed from the store after a restart: the passphrase was never written, so ask again.
      notices.notice(message, notices.words(message).unlockReplayed);
      return;
    }
    if (command === "unlock" && arg.trim()) {
      // The passphrase must not stay in the history, the admin UI or a backup of the database.
      try {
        await this.#o.store.inbound.replaceItems(message.id, [
          { type: MessageItemType.TEXT, text_item: { text: "/unlock [redacted]" } },
        ]);
      } catch (err) {
        log.error({ err: errText(err), inboundId: message.id }, "could not scrub the /unlock passphrase");
      }
    }
    void unlockAnswer(this.#o.unlock, command, contact, arg)
      .catch((err: unknown): { reply: string; ownerNotice?: string } => {
        log.error({ err: errText(err), inboundId: message.id }, `/${command} failed`);
        return { reply: notices.words(message).commandFailed({ command }) };
      })
      .then(async ({ reply, ownerNotice }) => {
        log.info({ inboundId: message.id, from: message.fromUserId }, `/${command} answered`);
        notices.notice(message, reply);
        if (ownerNotice) await this.#tellOwner(message, ownerNotice);
      })
      .catch((err: unknown) =>
        log.error({ err: errText(err), inboundId: message.id }, "could not tell the owner"),
      );
  }

  /**
   * A warning for the owner (an `/unlock` lockout): logged, and sent to the owner's chat; the
   * delivery sends it when the owner's send window allows (at once, or after they next write).
   */
  async #tellOwner(message: InboundMessage, text: string): Promise<void> {
    const log = this.#o.logger;
    const owner = (await this.#o.store.accounts.get(message.accountId))?.ownerUserId;
    log.warn({ accountId: message.accountId, from: message.fromUserId }, text);
    if (!owner || owner === message.fromUserId) return;
    void this.#o.delivery.sendNotice(message, text, { toUserId: owner }).catch((err: unknown) => {
      log.error({ err: errText(err), inboundId: message.id }, "could not tell the owner");
    });
  }

  /** `/help`: the fixed list of commands, then the agent's own (an ACP agent's available commands). */
  async #help(message: InboundMessage): Promise<void> {
    const own = this.#o.agent.commands?.(await this.#contact(message)) ?? [];
    const lines = own
      .slice(0, 30)
      .map((c) => `/${c.name.slice(0, 40)}: ${c.description.replace(/\s+/g, " ").slice(0, 120)}`);
    const w = this.#o.notices.words(message);
    this.#o.notices.notice(
      message,
      lines.length > 0 ? `${w.help}\n\n${w.helpAgentCommands}\n${lines.join("\n")}` : w.help,
    );
  }

  /** `/status`: what runs and waits for this conversation, and what the send quota leaves. */
  async #status(key: string, message: InboundMessage): Promise<void> {
    const { store, sendQuota: quota } = this.#o;
    const text = statusText(
      {
        running: this.#o.turns.has(key),
        queued: this.#o.queuedFor(key),
        sendsLeft: await sendsLeft(store.contextTokens, quota, message.accountId, message.fromUserId),
        sendQuota: quota,
        deferred: (await store.outbound.deferred(message.accountId, message.fromUserId)).length,
      },
      this.#o.notices.words(message),
    );
    this.#o.notices.notice(message, text);
  }
}
