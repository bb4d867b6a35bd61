/**
 * The gateway: poller → durable inbox → ordered dispatch → agent → delivery. Curated exports:
 * `createGateway` and its types are what the CLI, admin UI and MCP server use; `InboundTransport`
 * and `OutboundTransport` are what another platform or a test double implements; the rest are
 * parts for composition and tests.
 */

export type { PendingAsk } from "./asks.js";
export { type GatewayCommand, HELP_TEXT, parseCommand } from "./commands.js";
export type { OutboundTransport } from "./delivery/transport.js";
export { createDeliveryPort } from "./delivery-port.js";
export {
  type AccessCheck,
  type AccessVerdictLike,
  type DispatchEvent,
  Dispatcher,
  type DispatchOptions,
  TurnAborted,
  type TurnOutcome,
  type UnlockHook,
} from "./dispatcher.js";
export {
  createGateway,
  type DeliveryDeps,
  type Gateway,
  type GatewayOptions,
  type GatewayTransport,
  type MediaDeps,
} from "./gateway.js";
export type { AccountStatus, GatewayEvent, GatewayStatus, StopReport } from "./gateway-types.js";
export {
  createILinkTransport,
  ILinkTransport,
  type ILinkTransportOptions,
  toTransportError,
} from "./ilink-transport.js";
export { conversationKey, describeContent, normalizeInbound } from "./inbound.js";
export {
  type BackoffOptions,
  DEFAULT_BACKOFF,
  EXPIRED_REASON,
  expiredReason,
  Poller,
  type PollerOptions,
  type PollerState,
  type PollerStatus,
} from "./poller.js";
export type { DeliveryPort } from "./ports.js";
export {
  createHistoryPruner,
  DEFAULT_RETENTION,
  type HistoryPruner,
  type PruneReport,
  type RetentionOptions,
  type RetentionSettings,
} from "./retention.js";
export {
  FakeInboundTransport,
  FakeOutboundTransport,
  FakeTransport,
  type SentBubble,
  userText,
} from "./testing.js";
export type {
  FetchedBatch,
  FetchedMessage,
  FetchOptions,
  InboundTransport,
  MediaTransport,
  NotifyOptions,
} from "./transport.js";
export {
  TransportError,
  type TransportErrorKind,
  type TransportErrorOptions,
  transportErrorKind,
} from "./transport-error.js";
