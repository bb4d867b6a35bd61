/**
 * The gateway's transport port: what the gateway needs from any chat bridge, in its own types.
 * iLink implements it in `ilink-transport.ts` (and maps its errors to `TransportError` there, once);
 * `memory-transport.ts` is a bridge with no network at all. The poller uses the inbound half,
 * delivery the outbound half (`delivery/transport.ts`), the media layer `media`.
 *
 * Every failure is a `TransportError` (transport-error.ts) with a `kind`: `session-expired` stops
 * the account's poll loop and leaves sends pending, anything else is backed off and retried.
 */
import type { NewInbound } from "../store/types.js";
import type { OutboundTransport } from "./delivery/transport.js";
import type { MediaDownloader } from "./media/download.js";

export interface FetchOptions {
  /** Aborted when the gateway stops pulling. An abort ends the call with an empty batch or a throw. */
  signal: AbortSignal;
  /** Client-side hold time of this long poll; reaching it is a normal, empty result. */
  timeoutMs: number;
}

/**
 * One message as the gateway takes it: a row for the store, or a refusal with its reason (logged;
 * recorded as a `refused` row when it names a sender, so history shows it and the cursor moves on).
 */
export type FetchedMessage =
  /** `cuts`: what of the message was over the gateway's inbound bounds and cut (for a warning). */
  | { ok: true; inbound: NewInbound; cuts?: string[] }
  | { ok: false; reason: string; level: "debug" | "warn"; refused?: NewInbound };

/** One fetch's answer. */
export interface FetchedBatch {
  messages: readonly FetchedMessage[];
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

/** The inbound half: how a poller fetches messages. */
export interface InboundTransport {
  /** Messages after `cursor`, held open up to `timeoutMs` when there are none (a long poll). */
  fetchMessages(cursor: string, options: FetchOptions): Promise<FetchedBatch>;
  /** Best effort: failures are logged by the caller, never fatal. */
  notifyStart(options?: NotifyOptions): Promise<void>;
  notifyStop(options?: NotifyOptions): Promise<void>;
}

/** Inbound media download: where the media layer fetches this account's files from. */
export interface MediaTransport {
  /** Undefined: the bridge downloads no media; agents see media descriptions only. */
  readonly media?: MediaDownloader | undefined;
}

/** The whole port, as `createGateway`'s `transportFor` returns it per account. */
export type GatewayTransport = InboundTransport & OutboundTransport & MediaTransport;
