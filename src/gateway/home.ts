/**
 * The home channel: operator events (an account expired, a pairing request, an approval waiting,
 * an agent that keeps failing, a scheduled message that could not be delivered) go to the logs,
 * to the admin UI (the latest 200, in memory) and, when the owner's own send window is open and
 * has room, to the owner's chat: through the account itself, or another active account the same
 * person owns (an expired account cannot write). Each event is deduplicated by its key for
 * `dedupMs`; chat messages are limited to `maxChatPerHour` per owner. Per kind: `chat` (all
 * three), `admin` (logs and admin UI), `off` (logs only).
 */
import type { AsyncStore } from "../store/async.js";
import { createLogger, errText, type Logger } from "../util/logger.js";
import { type Clock, systemClock } from "./delivery/clock.js";
import type { DeliveryResult, ReplyToDeliver } from "./delivery/delivery.js";
import { DEFAULT_WINDOW_MS, sendWindow } from "./schedule/window.js";

export const HOME_EVENT_KINDS = [
  "account-expired",
  "pairing-request",
  "approval-waiting",
  "agent-failing",
  "schedule-undelivered",
] as const;
export type HomeEventKind = (typeof HOME_EVENT_KINDS)[number];
export type HomeRoute = "chat" | "admin" | "off";

export const DEFAULT_HOME_ROUTES: Readonly<Record<HomeEventKind, HomeRoute>> = {
  "account-expired": "chat",
  "pairing-request": "chat",
  // The question itself is already in the owner's chat: a second message would only add noise.
  "approval-waiting": "admin",
  "agent-failing": "chat",
  "schedule-undelivered": "chat",
};

export interface HomeSettings {
  events?: Partial<Record<HomeEventKind, HomeRoute>>;
  /** The same event (kind + subject) is reported once per this long (default 1 h). */
  dedupMs?: number;
  /** Chat messages per owner per hour at most (default 6); the rest stay in the admin UI. */
  maxChatPerHour?: number;
}

export interface HomeEvent {
  kind: HomeEventKind;
  accountId: string;
  /** What the event is about (an account, a contact, a job): the dedup key with the kind. */
  subject: string;
  text: string;
  atMs: number;
  sentToOwner: boolean;
}

export interface HomeChannelOptions {
  store: AsyncStore;
  /** Record and send one message (the gateway's delivery, with its own abort signal). */
  deliver(reply: ReplyToDeliver): Promise<DeliveryResult>;
  /**
   * The accounts `deliver` can send through now (on several nodes: those whose lease this node
   * holds; another node's account would leave the note pending in its outbox). Default: all.
   */
  sendsFor?(accountId: string): boolean;
  settings?: HomeSettings;
  quotaPerToken?: number;
  windowMs?: number;
  clock?: Clock;
  logger?: Logger;
}

const HOUR = 3_600_000;

export class HomeChannel {
  readonly #o: HomeChannelOptions;
  readonly #log: Logger;
  readonly #clock: Clock;
  readonly #events: HomeEvent[] = [];
  readonly #lastByKey = new Map<string, number>();
  readonly #chatTimes = new Map<string, number[]>();
  /** Owner messages being looked up and recorded (`settled`). */
  readonly #telling = new Set<Promise<void>>();

  constructor(options: HomeChannelOptions) {
    this.#o = options;
    this.#log = options.logger ?? createLogger("gateway:home");
    this.#clock = options.clock ?? systemClock;
  }

  /** Resolves once every event reported so far has been sent to its owner or found unsendable. */
  async settled(): Promise<void> {
    await Promise.all([...this.#telling]);
  }

  /** The latest events, newest first. */
  recent(limit = 50): HomeEvent[] {
    return this.#events.slice(-limit).reverse();
  }

  report(e: { kind: HomeEventKind; accountId: string; subject: string; text: string }): void {
    const now = this.#clock.now();
    const key = `${e.kind}\u0000${e.accountId}\u0000${e.subject}`;
    const last = this.#lastByKey.get(key);
    if (last !== undefined && now - last < (this.#o.settings?.dedupMs ?? HOUR)) return;
    this.#lastByKey.set(key, now);
    const route = this.#o.settings?.events?.[e.kind] ?? DEFAULT_HOME_ROUTES[e.kind];
    this.#log.warn({ kind: e.kind, accountId: e.accountId, subject: e.subject }, e.text);
    if (route === "off") return;
    const event: HomeEvent = { ...e, atMs: now, sentToOwner: false };
    this.#events.push(event);
    if (this.#events.length > 200) this.#events.shift();
    if (route === "chat") {
      const telling = this.#tellOwner(e.accountId, e.text, now).then(
        (sent) => {
          event.sentToOwner = sent;
        },
        (err: unknown) =>
          this.#log.warn({ accountId: e.accountId, err: errText(err) }, "home channel message not sent"),
      );
      this.#telling.add(telling);
      void telling.finally(() => this.#telling.delete(telling));
    }
  }

  /** Through an active account the owner can be reached on now; false when none (admin UI only). */
  async #tellOwner(accountId: string, text: string, now: number): Promise<boolean> {
    const { store } = this.#o;
    const owner = (await store.accounts.get(accountId))?.ownerUserId;
    if (!owner) return false;
    const recent = () => (this.#chatTimes.get(owner) ?? []).filter((t) => now - t < HOUR);
    const cap = this.#o.settings?.maxChatPerHour ?? 6;
    if (recent().length >= cap) return false;
    const candidates = (await store.accounts.list())
      .filter((a) => a.state === "active" && a.ownerUserId === owner && (this.#o.sendsFor?.(a.id) ?? true))
      .sort((a, b) => (a.id === accountId ? -1 : b.id === accountId ? 1 : 0));
    for (const a of candidates) {
      const w = await sendWindow(store, a.id, owner, now, {
        windowMs: this.#o.windowMs ?? DEFAULT_WINDOW_MS,
        quotaPerToken: this.#o.quotaPerToken ?? 10,
      });
      // Leave the owner's last slot to their own conversation, and never jump an outbox.
      if (!w.open || w.sendsLeft < 2 || w.outbox > 0) continue;
      // Counted again after the reads: another report may have spent the hour's last message meanwhile.
      const times = recent();
      if (times.length >= cap) return false;
      times.push(now);
      this.#chatTimes.set(owner, times);
      const note = a.id === accountId ? `🔔 ${text}` : `🔔 [${accountId}] ${text}`;
      this.#o.deliver({ accountId: a.id, toUserId: owner, text: note }).catch((err: unknown) => {
        this.#log.warn({ accountId: a.id, err: errText(err) }, "home channel message not sent");
      });
      return true;
    }
    return false;
  }
}
