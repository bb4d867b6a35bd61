/**
 * getupdates: an opaque cursor per bot, messages kept until a request arrives with a cursor past
 * them (re-sending an old cursor redelivers), a hold until a message arrives or a little before
 * `longpolling_timeout_ms`, and the seeded chance of a later duplicate (§8.2.12).
 */
import { updatesHoldMs } from "./config.js";
import { scheduleRedelivery } from "./inbound.js";
import { type Delivery, emit, type SimAccount, type SimState } from "./state.js";

const CURSOR_PREFIX = "simcur1";

/** An opaque cursor: base64 of the bot and the last seq it covers. */
export function encodeCursor(account: SimAccount, seq: number): string {
  return Buffer.from(`${CURSOR_PREFIX}|${account.account_id}|${seq}`).toString("base64");
}

/**
 * The seq a cursor acknowledges. An empty, foreign or undecodable cursor means "from where this
 * bot was last acknowledged" (a fresh client receives what is still pending).
 */
export function decodeCursor(account: SimAccount, cursor: string): number {
  if (cursor === "") return account.acked_seq;
  const parts = Buffer.from(cursor, "base64").toString("utf8").split("|");
  const seq = Number(parts[2]);
  if (parts.length !== 3 || parts[0] !== CURSOR_PREFIX || parts[1] !== account.account_id)
    return account.acked_seq;
  if (!Number.isSafeInteger(seq) || seq < 0) return account.acked_seq;
  return Math.min(seq, account.last_seq);
}

/** Drops every message the cursor covers: the client has them for good. */
export function acknowledge(account: SimAccount, seq: number): void {
  if (seq > account.acked_seq) account.acked_seq = seq;
  account.queue = account.queue.filter((d) => d.seq > seq);
}

export interface UpdatesResult {
  msgs: Delivery[];
  cursor: string;
}

/**
 * Waits for messages after `sinceSeq`: returns at once when some are queued, else holds until one
 * arrives, the hold ends, the token goes stale or the request is aborted.
 */
export async function pollUpdates(
  state: SimState,
  account: SimAccount,
  sinceSeq: number,
  signal: AbortSignal | undefined,
): Promise<UpdatesResult> {
  const pending = (): Delivery[] => account.queue.filter((d) => d.seq > sinceSeq);
  let msgs = pending();
  if (msgs.length === 0 && account.token_state === "live") {
    await hold(state, account.waiters, updatesHoldMs(state.config), signal);
    msgs = pending();
  }
  const last = msgs.at(-1)?.seq ?? sinceSeq;
  maybeRedeliver(state, account, msgs);
  return { msgs, cursor: encodeCursor(account, last) };
}

/** Resolves when a waiter is woken, after `ms`, on abort, or when the simulator closes. */
export function hold(
  state: SimState,
  waiters: Set<() => void>,
  ms: number,
  signal: AbortSignal | undefined,
): Promise<void> {
  if (ms <= 0 || signal?.aborted || state.closed) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      waiters.delete(done);
      state.timers.delete(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    state.timers.add(timer);
    waiters.add(done);
    signal?.addEventListener("abort", done, { once: true });
  });
}

/** Realism: now and then a delivered message comes again a few seconds later. */
function maybeRedeliver(state: SimState, account: SimAccount, delivered: Delivery[]): void {
  const { config } = state;
  if (!config.realism || config.redelivery_rate <= 0) return;
  for (const d of delivered) {
    if (state.prng.next() >= config.redelivery_rate) continue;
    const message = state.messages.find((m) => m.message_id === d.message_id);
    if (!message) continue;
    const [min, max] = config.redelivery_delay_ms;
    const dice = state.prng.next();
    const idMode = dice < 0.6 ? "same" : dice < 0.8 ? "empty" : "new";
    const delayMs = state.prng.int(min, max);
    emit(state, "realism.redelivery", {
      account_id: account.account_id,
      message_id: message.message_id.toString(),
      delay_ms: delayMs,
      id_mode: idMode,
    });
    scheduleRedelivery(state, account, message, delayMs, idMode);
  }
}
