/**
 * Typing indicator (docs/protocol.md §9): a per-peer cache of `typing_ticket`s from getconfig, and
 * a typing session that sends status 1 now and every 5 s, then status 2 on stop.
 */
import type { ILinkClient } from "./client.js";
import { type ILinkLogger, silentLogger } from "./logger.js";
import { TypingStatus } from "./wire.js";

export const TICKET_REFRESH_MAX_MS = 24 * 60 * 60 * 1000;
export const TICKET_RETRY_INITIAL_MS = 2_000;
export const TICKET_RETRY_MAX_MS = 60 * 60 * 1000;
/**
 * @example
 * import { TYPING_KEEPALIVE_MS } from "wxagent/ilink";
 * const everyMs: number = TYPING_KEEPALIVE_MS; // 5 000
 */
export const TYPING_KEEPALIVE_MS = 5_000;

interface TicketEntry {
  ticket: string;
  nextFetchAtMs: number;
  retryDelayMs: number;
}

/**
 * @example
 * import { ILinkClient, TypingTickets, type TypingTicketsOptions } from "wxagent/ilink";
 * const options: TypingTicketsOptions = { nowMs: () => 0, random: () => 0.5 };
 * const tickets = new TypingTickets(new ILinkClient({ token: "bot-token" }), options);
 */
export interface TypingTicketsOptions {
  /** Clock and randomness are injectable so the refresh schedule can be tested. */
  nowMs?: () => number;
  random?: () => number;
  logger?: ILinkLogger;
}

/**
 * One cache per account. A success (`ret === 0`) is kept until a uniformly random moment within
 * 24 h; a failure (missing ret included) retries after 2 s, doubling up to 1 h, and keeps the last
 * good ticket. `get` never throws: an empty ticket means "skip typing".
 *
 * @example
 * import { ILinkClient, TypingTickets } from "wxagent/ilink";
 * const tickets = new TypingTickets(new ILinkClient({ token: "bot-token" }));
 * const ticket = await tickets.get("alice@im.wechat"); // "" when none
 */
export class TypingTickets {
  readonly #client: ILinkClient;
  readonly #entries = new Map<string, TicketEntry>();
  readonly #now: () => number;
  readonly #random: () => number;
  readonly #log: ILinkLogger;

  constructor(client: ILinkClient, options: TypingTicketsOptions = {}) {
    this.#client = client;
    this.#now = options.nowMs ?? Date.now;
    this.#random = options.random ?? Math.random;
    this.#log = options.logger ?? silentLogger;
  }

  async get(userId: string, contextToken?: string, signal?: AbortSignal): Promise<string> {
    const entry = this.#entries.get(userId);
    const now = this.#now();
    if (entry && now < entry.nextFetchAtMs) return entry.ticket;
    try {
      const res = await this.#client.getConfig(
        { ilink_user_id: userId, ...(contextToken ? { context_token: contextToken } : {}) },
        signal ? { signal } : {},
      );
      const fresh: TicketEntry = {
        ticket: res.typing_ticket ?? "",
        nextFetchAtMs: now + this.#random() * TICKET_REFRESH_MAX_MS,
        retryDelayMs: TICKET_RETRY_INITIAL_MS,
      };
      this.#entries.set(userId, fresh);
      return fresh.ticket;
    } catch (err) {
      const retryDelayMs = entry
        ? Math.min(entry.retryDelayMs * 2, TICKET_RETRY_MAX_MS)
        : TICKET_RETRY_INITIAL_MS;
      const next: TicketEntry = {
        ticket: entry?.ticket ?? "",
        nextFetchAtMs: now + retryDelayMs,
        retryDelayMs,
      };
      this.#entries.set(userId, next);
      this.#log.debug({ code: (err as { code?: unknown }).code, retryDelayMs }, "getconfig failed");
      return next.ticket;
    }
  }

  /** Forget one peer (or all), e.g. after a re-login. */
  clear(userId?: string): void {
    if (userId === undefined) this.#entries.clear();
    else this.#entries.delete(userId);
  }
}

/**
 * @example
 * import { ILinkClient, startTyping, type TypingOptions } from "wxagent/ilink";
 * const options: TypingOptions = { to: "alice@im.wechat", ticket: "ticket-from-getconfig", keepAliveMs: 5_000 };
 * const session = startTyping(new ILinkClient({ token: "bot-token" }), options);
 */
export interface TypingOptions {
  to: string;
  /** From `TypingTickets.get`; an empty ticket makes this a no-op. */
  ticket: string;
  keepAliveMs?: number;
  logger?: ILinkLogger;
}

/**
 * @example
 * import type { Context, TypingSession } from "wxagent/ilink";
 * async function slowly(ctx: Context): Promise<void> {
 *   const typing: TypingSession = await ctx.typing();
 *   await typing.stop();
 * }
 */
export interface TypingSession {
  /** Stop the keep-alive and send "cancel typing". Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Send one sendtyping (status 1 typing or 2 cancel); not retried, errors only logged, no-op without a ticket.
 *
 * @example
 * import { ILinkClient, sendTypingOnce, TypingStatus } from "wxagent/ilink";
 * const client = new ILinkClient({ token: "bot-token" });
 * await sendTypingOnce(client, { to: "alice@im.wechat", ticket: "ticket", status: TypingStatus.TYPING });
 */
export async function sendTypingOnce(
  client: ILinkClient,
  options: { to: string; ticket: string; status: TypingStatus; logger?: ILinkLogger; signal?: AbortSignal },
): Promise<void> {
  if (!options.ticket) return;
  try {
    await client.sendTyping(
      { ilink_user_id: options.to, typing_ticket: options.ticket, status: options.status },
      options.signal ? { signal: options.signal } : {},
    );
  } catch (err) {
    (options.logger ?? silentLogger).debug(
      { code: (err as { code?: unknown }).code, status: options.status },
      "sendtyping failed",
    );
  }
}

/**
 * Show "typing…" now and keep it alive until `stop()`.
 *
 * @example
 * import { ILinkClient, startTyping, TypingTickets } from "wxagent/ilink";
 * const client = new ILinkClient({ token: "bot-token" });
 * const ticket = await new TypingTickets(client).get("alice@im.wechat");
 * const typing = startTyping(client, { to: "alice@im.wechat", ticket });
 * await typing.stop();
 */
export function startTyping(client: ILinkClient, options: TypingOptions): TypingSession {
  if (!options.ticket) return { stop: async () => {} };
  const base = {
    to: options.to,
    ticket: options.ticket,
    ...(options.logger ? { logger: options.logger } : {}),
  };
  void sendTypingOnce(client, { ...base, status: TypingStatus.TYPING });
  const timer = setInterval(() => {
    void sendTypingOnce(client, { ...base, status: TypingStatus.TYPING });
  }, options.keepAliveMs ?? TYPING_KEEPALIVE_MS);
  timer.unref?.();
  let stopped = false;
  return {
    async stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      await sendTypingOnce(client, { ...base, status: TypingStatus.CANCEL });
    },
  };
}

/**
 * Send "cancel typing" once.
 *
 * @example
 * import { ILinkClient, stopTyping } from "wxagent/ilink";
 * await stopTyping(new ILinkClient({ token: "bot-token" }), { to: "alice@im.wechat", ticket: "ticket" });
 */
export function stopTyping(client: ILinkClient, options: { to: string; ticket: string }): Promise<void> {
  return sendTypingOnce(client, { ...options, status: TypingStatus.CANCEL });
}
