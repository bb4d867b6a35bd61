/**
 * The operations behind the MCP server and the REST API: one definition each (zod input, handler
 * over an `OpsContext`), listed in `OPS` in the order clients see them.
 */
import { listAccounts, listContacts } from "./accounts.js";
import type { Op } from "./define.js";
import { loginStart, loginStatus } from "./login.js";
import { downloadMedia, recentMessages, waitForMessages } from "./messages.js";
import { scheduleAdd, scheduleCancel, scheduleList } from "./schedule.js";
import { sendFileOp, sendTextOp } from "./send.js";

export const OPS: readonly Op[] = [
  listAccounts,
  listContacts,
  recentMessages,
  waitForMessages,
  sendTextOp,
  sendFileOp,
  downloadMedia,
  scheduleList,
  scheduleAdd,
  scheduleCancel,
  loginStart,
  loginStatus,
];

export { accountHealth } from "./accounts.js";
export { createOpsContext, type OpsContext, type OpsContextOptions } from "./context.js";
export { defineOp, type Op, type OpOutcome, type OpSpec, type RestRoute } from "./define.js";
export { HTTP_STATUS, isOpsError, OpsError, type OpsErrorCode, toOpsError } from "./errors.js";
export type { MediaDescription, MessageView } from "./format.js";
export {
  type AccountHealthFacts,
  allHealthFacts,
  type ContactHealthFacts,
  type ContactSendFacts,
  contactFacts,
  contactSendFacts,
  type FixHints,
  type HealthOptions,
  healthFacts,
  type PollHealth,
  type PollingInfo,
  pollFailureFix,
  pollingOf,
} from "./health.js";
export { isLoopbackHost, LOOPBACK_HOSTS, loopbackOrigin, requireToken } from "./http-auth.js";
export { InboxSignal } from "./inbox.js";
export {
  type AccountJson,
  accountJson,
  type ContactJson,
  contactJson,
  type PairingRequestJson,
  pairingRequestJson,
} from "./json.js";
export { cdnFor, type LoginMarks, loginMarks, runLoginStart, saveLogin } from "./login.js";
export { type LoginEntry, LoginRegistry, type LoginState } from "./login-registry.js";
export { latestInboundId, MAX_WAIT_MS } from "./messages.js";
export { DONE_REASON, type LocalPolling, type LocalPollingOptions, startLocalPolling } from "./polling.js";
export {
  type ProbeOptions,
  probeSimulator,
  type SimulatorAccount,
  type SimulatorProbe,
  simulatorAccount,
  simulatorGone,
} from "./simulator.js";
export { bearerMatches, ensureAdminToken } from "./token.js";
