/**
 * The inbound half of the gateway's transport: how a poller fetches messages. iLink implements it
 * in `ilink-transport.ts`; a test double or another bridge (wechaty, itchat) can stand in without
 * the gateway changing. The outbound half is `delivery/transport.ts`.
 */
import type { WeixinMessage } from "../ilink/wire.js";

export interface GetUpdatesOptions {
  /** Aborted when the gateway stops pulling. An abort ends the call with an empty batch or a throw. */
  signal: AbortSignal;
  /** Client-side hold time of this long poll; reaching it is a normal, empty result. */
  timeoutMs: number;
}

/** One long-poll answer. `msgs` is passed through raw: the poller validates every element. */
export interface InboundBatch {
  msgs: readonly unknown[] | WeixinMessage[];
  /** The new opaque cursor; empty or absent keeps the old one (docs/protocol.md §19.16). */
  cursor?: string;
  /** Server hint: the next call's `timeoutMs` when > 0. */
  longPollTimeoutMs?: number;
}

export interface NotifyOptions {
  /** Own timeout, deliberately not tied to the poll's abort signal (notifystop runs after it). */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/**
 * Errors thrown by `getUpdates` may carry a string `code`. `SESSION_EXPIRED` (iLink -14) pauses the
 * account until re-login; anything else is backed off and retried.
 */
export interface InboundTransport {
  getUpdates(cursor: string, options: GetUpdatesOptions): Promise<InboundBatch>;
  /** Best effort: failures are logged by the caller, never fatal. */
  notifyStart(options?: NotifyOptions): Promise<void>;
  notifyStop(options?: NotifyOptions): Promise<void>;
}

/** Error codes that mean "this account's session is gone; a new QR login is needed". */
const SESSION_EXPIRED_CODES = new Set(["SESSION_EXPIRED", "ILINK_SESSION_EXPIRED"]);

/** True for a transport error that reports iLink's -14 (by stable code, or by the raw number). */
export function isSessionExpired(err: unknown): boolean {
  if (typeof err !== "object" || err === null) return false;
  const e = err as { code?: unknown; ret?: unknown; errcode?: unknown };
  if (typeof e.code === "string" && SESSION_EXPIRED_CODES.has(e.code)) return true;
  return e.ret === -14 || e.errcode === -14;
}
