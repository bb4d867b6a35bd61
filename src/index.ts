/**
 * wxagent's public API. Tiers: the SDK (also at `wxagent/ilink`), the simulator (also at
 * `wxagent/simulator`), and the parts to build a gateway of your own.
 */

export { createEchoAgent } from "./agent/echo.js";
// ── Gateway ──────────────────────────────────────────────────────────────────
export type { Agent, AgentInput, AgentIO, AgentReply, MediaRef } from "./agent/types.js";
export { createGateway, createILinkTransport, type Gateway, type GatewayOptions } from "./gateway/index.js";
// ── SDK ──────────────────────────────────────────────────────────────────────
export {
  Bot,
  BotError,
  type BotOptions,
  Context,
  ILinkApiError,
  ILinkClient,
  type ILinkClientOptions,
  ILinkError,
  ILinkTransportError,
  isILinkError,
  isWxError,
  type LoginResult,
  loginWithQr,
  sendMedia,
  sendText,
  WxError,
} from "./ilink/index.js";
// ── Simulator ────────────────────────────────────────────────────────────────
export { createSimulator, type Simulator, startSimulator } from "./simulator/index.js";
export { openStore } from "./store/index.js";
export type { Store } from "./store/types.js";
