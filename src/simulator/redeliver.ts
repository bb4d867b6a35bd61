/**
 * The `redeliver` fault: an inbound message is queued again for getupdates, as the live server
 * sometimes does seconds (or, after a stuck turn, minutes) later, with its id unchanged, missing
 * or new (§8.2.12).
 */
import { enqueue, type RedeliveryIdMode, scheduleRedelivery } from "./inbound.js";
import { emit, type SimState } from "./state.js";

export interface RedeliverSpec {
  account_id: string;
  /** default: the account's latest inbound message */
  message_id?: string;
  delay_ms?: number;
  id_mode?: RedeliveryIdMode;
}

export function redeliver(state: SimState, spec: unknown): Record<string, unknown> | string {
  if (spec === null || typeof spec !== "object")
    return "redeliver: {account_id, message_id?, delay_ms?, id_mode?}";
  const s = spec as Record<string, unknown>;
  const account = typeof s.account_id === "string" ? state.accounts.get(s.account_id) : undefined;
  if (!account) return "redeliver: unknown account_id";
  const idMode = s.id_mode ?? "same";
  if (idMode !== "same" && idMode !== "empty" && idMode !== "new")
    return 'redeliver: id_mode is "same", "empty" or "new"';
  const delayMs = s.delay_ms ?? 0;
  if (typeof delayMs !== "number" || delayMs < 0) return "redeliver: delay_ms must be ≥ 0";
  const inbound = state.messages.filter(
    (m) => m.account_id === account.account_id && m.direction === "inbound",
  );
  const message =
    s.message_id === undefined
      ? inbound.at(-1)
      : inbound.find((m) => m.message_id.toString() === String(s.message_id));
  if (!message) return "redeliver: no such inbound message for this account";
  if (delayMs === 0) {
    enqueue(state, account, message, idMode);
    emit(state, "message.redelivered", {
      account_id: account.account_id,
      message_id: message.message_id.toString(),
      id_mode: idMode,
    });
  } else scheduleRedelivery(state, account, message, delayMs, idMode);
  return {
    redelivered: message.message_id.toString(),
    account_id: account.account_id,
    delay_ms: delayMs,
    id_mode: idMode,
  };
}
