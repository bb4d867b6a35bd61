/**
 * One long-poll loop per account (docs/protocol.md §5, with the changes the issue asks for):
 * messages and the new cursor are written in ONE transaction before dispatch; redeliveries are
 * dropped; a `session-expired` fetch (iLink -14) marks the account expired and stops this loop (the
 * process stays up); every other failure is logged and backed off (2 s, then 30 s after 3 in a
 * row), never thrown. Each answered
 * or failed poll is recorded on the account in the store (last answer, failures in a row, last
 * error), which is what `wxagent status` and `doctor` in another process report.
 */
import { DEFAULT_LONG_POLL_TIMEOUT_MS } from "../ilink/wire.js";
import { type BackoffOptions, backoffDelayMs, DEFAULT_BACKOFF } from "../shared/backoff.js";
import { RecentKeys } from "../shared/recent-keys.js";
import { sleep } from "../shared/sleep.js";
import type { AsyncStore } from "../store/async.js";
import { isStoreError } from "../store/errors.js";
import type { Account, InboundMessage, NewInbound } from "../store/types.js";
import { errText, type Logger } from "../util/logger.js";
import { contentKeyOf, refusedInbound } from "./inbound.js";
import type { FetchedMessage, InboundTransport } from "./transport.js";
import { transportErrorKind } from "./transport-error.js";
import { holdOriginalText, scrubUnlock } from "./unlock-scrub.js";

export { type BackoffOptions, DEFAULT_BACKOFF };

export const EXPIRED_REASON = "session expired (-14): run `wxagent login` to scan a new QR code";

/**
 * The stored reason of an expired account, with the fix that works for it. A simulator's account
 * is not fixed on WeChat: a new bot is made on the same simulator (where its user already is).
 */
export function expiredReason(account: Pick<Account, "baseUrl" | "simulated"> | undefined): string {
  if (!account?.simulated) return EXPIRED_REASON;
  const base = account.baseUrl.replace(/\/+$/, "");
  return `session expired (-14) on the simulator: make a new bot on its chat page ${base}/ (Bot → “+ Create bot account”), or log in again from the admin UI's QR login page or with \`wxagent login --base-url ${base}\`; a running gateway polls it at once`;
}

export type PollerState = "idle" | "polling" | "waiting" | "backoff" | "expired" | "stopped";

export interface PollerStatus {
  state: PollerState;
  /** Failed polls since the last answered one (the backoff's 30 s pause does not reset it). */
  consecutiveFailures: number;
  lastError?: string;
  lastPollAtMs?: number;
  lastInboundAtMs?: number;
  nextTimeoutMs: number;
}

export interface PollerOptions {
  accountId: string;
  store: AsyncStore;
  transport: InboundTransport;
  /** Hand newly stored messages to dispatch. Called after the transaction committed. */
  onMessages: (messages: InboundMessage[]) => void;
  /** Backpressure: resolves when dispatch can take more (the poller waits before the next poll). */
  waitForCapacity?: (signal: AbortSignal) => Promise<void>;
  /** -14: the account was marked expired and this loop stopped. */
  onExpired?: (accountId: string, reason: string) => void;
  backoff?: Partial<BackoffOptions>;
  /** Timeout of notifystart / notifystop (default 10 000). */
  notifyTimeoutMs?: number;
  /** How long content keys are remembered for dedup (default 24 h). */
  dedupTtlMs?: number;
  /**
   * Shared accounts: whether this node still holds the account's lease, looked at before every
   * poll. The loop ends (state `stopped`) once it does not.
   */
  owns?: () => boolean;
  now?: () => number;
  logger: Logger;
}

export class Poller {
  readonly accountId: string;
  readonly #o: PollerOptions;
  readonly #backoff: BackoffOptions;
  readonly #now: () => number;
  readonly #recent: RecentKeys;
  readonly #log: Logger;
  #status: PollerStatus = {
    state: "idle",
    consecutiveFailures: 0,
    nextTimeoutMs: DEFAULT_LONG_POLL_TIMEOUT_MS,
  };
  #abort: AbortController | undefined;
  #loop: Promise<void> | undefined;

  constructor(options: PollerOptions) {
    this.#o = options;
    this.accountId = options.accountId;
    this.#backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
    this.#now = options.now ?? Date.now;
    this.#recent = new RecentKeys(options.dedupTtlMs ?? 24 * 3_600_000, 10_000);
    this.#log = options.logger.child({ accountId: options.accountId });
  }

  status(): PollerStatus {
    return { ...this.#status };
  }

  get running(): boolean {
    return this.#loop !== undefined;
  }

  /** notifystart, then the loop in the background. Idempotent while running. */
  start(): void {
    if (this.#loop) return;
    const abort = new AbortController();
    this.#abort = abort;
    this.#status.state = "polling";
    this.#status.consecutiveFailures = 0;
    this.#loop = this.#run(abort.signal).finally(() => {
      this.#loop = undefined;
    });
  }

  /** Stop pulling: abort the long poll in flight and wait for the loop to end. No notifystop. */
  async stopPulling(): Promise<void> {
    this.#abort?.abort(new Error("poller stopped"));
    await this.#loop;
    if (this.#status.state !== "expired") this.#status.state = "stopped";
  }

  /** notifystop with its own timeout (not tied to the aborted poll). Failures are logged only. */
  async notifyStop(): Promise<void> {
    try {
      await this.#o.transport.notifyStop({ timeoutMs: this.#o.notifyTimeoutMs ?? 10_000 });
    } catch (err) {
      this.#log.warn({ err: errText(err) }, "notifystop failed (ignored)");
    }
  }

  async #run(signal: AbortSignal): Promise<void> {
    await this.#seedRecent();
    try {
      await this.#o.transport.notifyStart({ timeoutMs: this.#o.notifyTimeoutMs ?? 10_000, signal });
    } catch (err) {
      if (signal.aborted) return;
      this.#log.warn({ err: errText(err) }, "notifystart failed (ignored)");
    }
    let cursor: string | undefined;
    while (!signal.aborted) {
      try {
        // Read inside the loop: a store that does not answer now is retried with the backoff.
        cursor ??= await this.#o.store.cursors.get(this.accountId);
        if (this.#o.waitForCapacity) {
          this.#status.state = "waiting";
          await this.#o.waitForCapacity(signal);
        }
        if (this.#o.owns && !this.#o.owns()) {
          this.#log.info("lease not held: polling stops (another node takes the account over)");
          this.#status.state = "stopped";
          return;
        }
        this.#status.state = "polling";
        // The next getupdates acknowledges the cursor: what it covers must be durable first.
        await this.#o.store.durable();
        const batch = await this.#o.transport.fetchMessages(cursor, {
          signal,
          timeoutMs: this.#status.nextTimeoutMs,
        });
        if (signal.aborted) break;
        if (typeof batch !== "object" || batch === null || !Array.isArray(batch.messages)) {
          throw new Error("malformed fetch result: `messages` is not a list");
        }
        if (typeof batch.longPollTimeoutMs === "number" && batch.longPollTimeoutMs > 0) {
          this.#status.nextTimeoutMs = batch.longPollTimeoutMs;
        }
        this.#status.consecutiveFailures = 0;
        delete this.#status.lastError;
        const stored = await this.#record(batch.messages, batch.cursor);
        if (typeof batch.cursor === "string" && batch.cursor !== "") cursor = batch.cursor;
        if (stored.length > 0) this.#dispatch(stored);
      } catch (err) {
        if (signal.aborted) break;
        if (transportErrorKind(err) === "session-expired") {
          await this.#expire();
          return;
        }
        await this.#backoffAfter(err, signal);
      }
    }
  }

  /** The message's content key; a message that cannot be hashed is refused on its own. */
  #keyed(
    m: FetchedMessage,
  ):
    | (FetchedMessage & { ok: false })
    | { ok: true; inbound: NewInbound; contentKey: string; cuts?: string[] } {
    if (!m.ok) return m;
    try {
      return { ...m, contentKey: contentKeyOf(m.inbound) };
    } catch (err) {
      const reason = `malformed message: it could not be read (${errText(err)})`;
      const { fromUserId: from_user_id, messageId: message_id, groupId: group_id } = m.inbound;
      const refused = refusedInbound(
        { from_user_id, message_id, group_id, create_time_ms: m.inbound.createTimeMs },
        reason,
      );
      return refused ? { ok: false, reason, level: "warn", refused } : { ok: false, reason, level: "warn" };
    }
  }

  /** Dedup, and store messages + cursor in one transaction. Returns the new rows to dispatch. */
  async #record(messages: readonly FetchedMessage[], cursor: string | undefined): Promise<InboundMessage[]> {
    const now = this.#now();
    const fresh: NewInbound[] = [];
    const rows: NewInbound[] = [];
    const keys = new Set<string>();
    const originals = new Map<string, string>();
    for (const message of messages) {
      const n = this.#keyed(message);
      if (!n.ok) {
        const refused = n.refused;
        this.#log[n.level](
          {
            reason: n.reason,
            ...(refused ? { from: refused.fromUserId, messageId: refused.messageId } : {}),
          },
          refused ? "inbound message dropped (recorded as refused)" : "inbound message dropped",
        );
        if (refused) rows.push(refused);
        continue;
      }
      if (n.cuts)
        this.#log.warn(
          { from: n.inbound.fromUserId, messageId: n.inbound.messageId, cuts: n.cuts.slice(0, 8) },
          "inbound message over the size bounds: cut before it was stored",
        );
      // The passphrase of a `/unlock` is never written (nor hashed into the content key).
      const { inbound, original } = scrubUnlock(n.inbound);
      if (original !== undefined) originals.set(inbound.dedupKey, original);
      const contentKey = original === undefined ? n.contentKey : contentKeyOf(inbound);
      if (keys.has(contentKey) || this.#recent.has(contentKey, now)) {
        this.#log.info(
          { messageId: inbound.messageId, from: inbound.fromUserId },
          "redelivered message dropped",
        );
        continue;
      }
      keys.add(contentKey);
      fresh.push(inbound);
      rows.push(inbound);
    }
    const inserted = await this.#save(rows, cursor || undefined, now);
    const stored = inserted.filter((m) => m.state === "pending");
    for (const row of stored) {
      const original = originals.get(row.dedupKey);
      if (original !== undefined) holdOriginalText(row, original);
    }
    if (stored.length < fresh.length) {
      // The store skips a message whose id it already holds (a redelivery, or a reused id).
      const kept = new Set(stored.map((m) => m.dedupKey));
      for (const m of fresh) {
        if (!kept.has(m.dedupKey)) {
          this.#log.info(
            { messageId: m.messageId, from: m.fromUserId },
            "redelivered message dropped (id already stored)",
          );
        }
      }
    }
    // Remembered only once committed: a failed write is polled again from the old cursor.
    for (const k of keys) this.#recent.add(k, now);
    this.#status.lastPollAtMs = now;
    const touch: { lastPollAtMs: number; lastInboundAtMs?: number } = { lastPollAtMs: now };
    if (stored.length > 0) {
      this.#status.lastInboundAtMs = now;
      touch.lastInboundAtMs = now;
    }
    // Once per contact per batch: a burst brings several messages from one contact at once.
    await Promise.all([
      this.#o.store.accounts.touch(this.accountId, touch),
      ...[...new Set(stored.map((m) => m.fromUserId))].map((userId) =>
        this.#o.store.contacts.see(this.accountId, userId, now),
      ),
    ]);
    return stored;
  }

  /**
   * The rows and the cursor in one transaction; when the store refuses a value of the batch
   * (VALUE_REFUSED: PostgreSQL keeps less than SQLite), row by row, then the cursor. A message the
   * store cannot keep is dropped with an error line: the server would hand back the same batch
   * for ever and the account would hear nothing more. Each row is keyed, so a crash between
   * these writes is harmless: the redelivered batch finds the rows already stored.
   */
  async #save(rows: NewInbound[], cursor: string | undefined, now: number): Promise<InboundMessage[]> {
    const inbound = this.#o.store.inbound;
    try {
      return await inbound.recordPoll(this.accountId, cursor, rows, now);
    } catch (err) {
      if (!isStoreError(err, "VALUE_REFUSED") || rows.length === 0) throw err;
    }
    const kept: InboundMessage[] = [];
    for (const row of rows) {
      try {
        kept.push(...(await inbound.recordPoll(this.accountId, undefined, [row], now)));
      } catch (err) {
        if (!isStoreError(err, "VALUE_REFUSED")) throw err;
        this.#log.error(
          { from: row.fromUserId.slice(0, 64), messageId: row.messageId?.slice(0, 64), err: errText(err) },
          "inbound message dropped: the store refused to keep it",
        );
      }
    }
    kept.push(...(await inbound.recordPoll(this.accountId, cursor, [], now)));
    return kept;
  }

  /** Dispatch never stops the loop: the messages are stored, a restart replays them. */
  #dispatch(stored: InboundMessage[]): void {
    try {
      this.#o.onMessages(stored);
    } catch (err) {
      this.#log.error(
        { err: errText(err), count: stored.length },
        "dispatch failed; the messages stay in the store",
      );
    }
  }

  async #expire(): Promise<void> {
    const reason = expiredReason(await this.#o.store.accounts.get(this.accountId).catch(() => undefined));
    this.#status.state = "expired";
    this.#status.lastError = reason;
    this.#log.error({ fix: "wxagent login" }, `account ${this.accountId}: ${reason}; polling paused`);
    try {
      await this.#o.store.accounts.setState(this.accountId, "expired", reason);
    } catch (err) {
      this.#log.error({ err: errText(err) }, "could not mark the account expired in the store");
    }
    this.#o.onExpired?.(this.accountId, reason);
  }

  async #backoffAfter(err: unknown, signal: AbortSignal): Promise<void> {
    const failures = ++this.#status.consecutiveFailures;
    const delayMs = backoffDelayMs(failures, this.#backoff);
    this.#status.state = "backoff";
    this.#status.lastError = errText(err);
    this.#log.warn({ err: this.#status.lastError, failures, delayMs }, "getupdates failed; backing off");
    try {
      await this.#o.store.accounts.pollFailed(this.accountId, this.#status.lastError, this.#now());
    } catch (e) {
      this.#log.warn({ err: errText(e) }, "could not record the failed poll in the store");
    }
    try {
      await sleep(delayMs, signal);
    } catch {
      // aborted: the loop condition ends it
    }
  }

  /** Remember recent content so a redelivery with a new id is caught after a restart too. */
  async #seedRecent(): Promise<void> {
    const since = this.#now() - (this.#o.dedupTtlMs ?? 24 * 3_600_000);
    try {
      const rows = await this.#o.store.inbound.list({
        accountId: this.accountId,
        sinceMs: since,
        limit: 5_000,
      });
      for (const r of rows.reverse()) {
        this.#recent.add(contentKeyOf(r), r.receivedAtMs);
      }
    } catch (err) {
      this.#log.warn({ err: errText(err) }, "could not seed the dedup window from the store");
    }
  }
}
