/**
 * The slash commands the dispatcher answers itself, outside the turn queue: `/stop`, `/unlock`,
 * `/lock`, `/help` and `/status` (`/new` is a queued reset job, run by turn-runner.ts). Parsing and
 * the fixed texts are in commands.ts; which command wins over an `ask` answer is decided in
 * `Dispatcher.submit`.
 */
import { MessageItemType } from "../ilink/wire.js";
import type { InboundMessage } from "../store/types.js";
import type { Logger } from "../util/logger.js";
import { errText } from "../util/logger.js";
import { statusText, unlockAnswer } from "./commands.js";
import { sendsLeft } from "./delivery/quota.js";
import type { DispatchOptions, Running } from "./dispatcher-types.js";
import type { Notices } from "./notices.js";
import { TurnAborted } from "./turn-parts.js";
import { contactOf } from "./turn-runner.js";
import { REDACTED_UNLOCK } from "./unlock-scrub.js";

export interface DispatchCommandsDeps {
  options: DispatchOptions;
  /** Turns in progress by conversation key. */
  running: ReadonlyMap<string, Running>;
  /** Turns waiting in a conversation's queue. */
  queuedFor(key: string): number;
  notices: Notices;
}

export class DispatchCommands {
  readonly #o: DispatchOptions;
  readonly #log: Logger;
  readonly #running: ReadonlyMap<string, Running>;
  readonly #queuedFor: (key: string) => number;
  readonly #notices: Notices;

  constructor(deps: DispatchCommandsDeps) {
    this.#o = deps.options;
    this.#log = deps.options.logger;
    this.#running = deps.running;
    this.#queuedFor = deps.queuedFor;
    this.#notices = deps.notices;
  }

  /**
   * `/stop`: abort the conversation's running turn, if any. In a group only the member whose turn
   * it is, or the owner, may stop it: another member's `/stop` is refused and the turn goes on.
   */
  stop(key: string, message: InboundMessage): void {
    const running = this.#running.get(key);
    if (
      running &&
      !running.abort.signal.aborted &&
      running.message.fromUserId !== message.fromUserId &&
      !this.#contact(message).isOwner
    ) {
      this.#log.info(
        { inboundId: message.id, from: message.fromUserId, turnOf: running.message.fromUserId },
        "/stop refused: the turn is another member's",
      );
      this.#notices.notice(message, this.#notices.words(message).stopNotYours);
      return;
    }
    if (running && !running.abort.signal.aborted) {
      running.abort.abort(new TurnAborted("stop"));
      this.#notices.notice(message, this.#notices.words(message).stopped);
    } else {
      this.#notices.notice(message, this.#notices.words(message).stopNothing);
    }
  }

  /** Who wrote `message`, with the account's language. */
  #contact(message: InboundMessage) {
    return contactOf(this.#o.store, message, this.#notices.lang(message));
  }

  /** `/unlock …` and `/lock`. The argument (a passphrase) is never logged, stored as a reason or echoed. */
  unlock(message: InboundMessage, command: "unlock" | "lock", arg: string): void {
    const contact = this.#contact(message);
    if (command === "unlock" && arg === REDACTED_UNLOCK.slice("/unlock ".length)) {
      // Replayed from the store after a restart: the passphrase was never written, so ask again.
      this.#notices.notice(message, this.#notices.words(message).unlockReplayed);
      return;
    }
    if (command === "unlock" && arg.trim()) {
      // The passphrase must not stay in the history, the admin UI or a backup of the database.
      try {
        this.#o.store.inbound.replaceItems(message.id, [
          { type: MessageItemType.TEXT, text_item: { text: "/unlock [redacted]" } },
        ]);
      } catch (err) {
        this.#log.error(
          { err: errText(err), inboundId: message.id },
          "could not scrub the /unlock passphrase",
        );
      }
    }
    void unlockAnswer(this.#o.unlock, command, contact, arg)
      .catch((err: unknown): { reply: string; ownerNotice?: string } => {
        this.#log.error({ err: errText(err), inboundId: message.id }, `/${command} failed`);
        return { reply: this.#notices.words(message).commandFailed({ command }) };
      })
      .then(({ reply, ownerNotice }) => {
        this.#log.info({ inboundId: message.id, from: message.fromUserId }, `/${command} answered`);
        this.#notices.notice(message, reply);
        if (ownerNotice) this.#tellOwner(message, ownerNotice);
      });
  }

  /**
   * A warning for the owner (an `/unlock` lockout): logged, and sent to the owner's chat; the
   * delivery sends it when the owner's send window allows (at once, or after they next write).
   */
  #tellOwner(message: InboundMessage, text: string): void {
    const owner = this.#o.store.accounts.get(message.accountId)?.ownerUserId;
    this.#log.warn({ accountId: message.accountId, from: message.fromUserId }, text);
    if (!owner || owner === message.fromUserId) return;
    void this.#o.delivery.sendNotice(message, text, { toUserId: owner }).catch((err: unknown) => {
      this.#log.error({ err: errText(err), inboundId: message.id }, "could not tell the owner");
    });
  }

  /** `/help`: the fixed list of commands, then the agent's own (an ACP agent's available commands). */
  help(message: InboundMessage): void {
    const own = this.#o.agent.commands?.(this.#contact(message)) ?? [];
    const lines = own
      .slice(0, 30)
      .map((c) => `/${c.name.slice(0, 40)}: ${c.description.replace(/\s+/g, " ").slice(0, 120)}`);
    const w = this.#notices.words(message);
    this.#notices.notice(
      message,
      lines.length > 0 ? `${w.help}\n\n${w.helpAgentCommands}\n${lines.join("\n")}` : w.help,
    );
  }

  /** `/status`: what runs and waits for this conversation, and what the send quota leaves. */
  status(key: string, message: InboundMessage): void {
    const quota = this.#o.sendQuota ?? 10;
    const text = statusText(
      {
        running: this.#running.has(key),
        queued: this.#queuedFor(key),
        sendsLeft: sendsLeft(this.#o.store.contextTokens, quota, message.accountId, message.fromUserId),
        sendQuota: quota,
        deferred: this.#o.store.outbound.deferred(message.accountId, message.fromUserId).length,
      },
      this.#notices.words(message),
    );
    this.#notices.notice(message, text);
  }
}
