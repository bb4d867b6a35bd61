/**
 * The dispatcher's public options and events. `Dispatcher` (index.ts) splits these options into
 * the steps' own: no step sees more than it uses.
 */
import type { Agent, AgentInput, Contact, ScheduleIO } from "../../agent/types.js";
import type { Lang } from "../../shared/i18n.js";
import type { AsyncStore } from "../../store/async.js";
import type { InboundMessage } from "../../store/types.js";
import type { Logger } from "../../util/logger.js";
import type { UnlockHook } from "../commands.js";
import type { MediaLimits } from "../media/index.js";
import type { DeliveryPort } from "../ports.js";
import type { AccessCheck } from "./access.js";

export interface DispatchOptions {
  store: AsyncStore;
  agent: Agent;
  delivery: DeliveryPort;
  /** Agent turns running at once across all conversations (default 4). */
  maxTurns?: number;
  /** Queued turns per account above which the poller waits before its next long poll (default 100). */
  maxBacklog?: number;
  /** Queued turns per conversation; more is refused as a flood, with one notice (default 20). */
  maxQueuedPerContact?: number;
  /** Longer texts reach the agent cut, with a note (default 16 000). */
  maxTextChars?: number;
  /** Wall-time limit of one turn (default none). */
  turnTimeoutMs?: number;
  /**
   * Shared accounts (several nodes): whether this node still holds the account's lease. A turn
   * that fails after the lease went records nothing: the new holder replays the message.
   */
  owns?: (accountId: string) => boolean;
  /**
   * A turn of the account ended without recording its answer because the lease lapsed: its later
   * turns must not overtake it (the gateway drops them and replays the account's unfinished
   * messages in order once it holds the lease again).
   */
  onLeft?: (accountId: string) => void;
  /** Default wait of `AgentIO.ask` (default 120 000). */
  askTimeoutMs?: number;
  /** Bot messages per inbound message (context-token quota, default 10), for `/status`. */
  sendQuota?: number;
  /** Progress notes are coalesced and sent at most this often (default 15 000). */
  progressIntervalMs?: number;
  /** Who may talk to the bot (`policy/createAccessPolicy`); checked before anything else. */
  access?: AccessCheck;
  /**
   * Fill in `path` of inbound media (download); optional. `"answered"`: the user was already told
   * all there is (every item unusable, nothing else sent), so no turn runs.
   */
  resolveMedia?: (message: InboundMessage, input: AgentInput) => Promise<unknown>;
  /**
   * Where inbound media is saved (`<home>/media`): a quote naming an earlier picture by id only
   * gets that picture's file. Without it such quotes bring their text and a media description.
   */
  mediaDir?: string;
  /**
   * The contact's workspace. When given, replies go through `prepareOutboundReply` (`<<FILE:>>`
   * tags and files checked against the workspace, long replies as a `.md`) and `AgentIO.sendFile`
   * refuses files outside it. Not given (tests, other platforms): replies go out as the agent wrote them.
   */
  workspaceDirFor?: (contact: Contact) => string;
  /** Size limits of outbound files (default `DEFAULT_MEDIA_LIMITS`). */
  mediaLimits?: Partial<MediaLimits>;
  /** A reply needing more bubbles than this goes as a summary plus a `.md` file (default 6). */
  maxReplyBubbles?: number;
  /** Bubble size used to count a reply's bubbles (default 2000, delivery's). */
  chunkChars?: number;
  /** `/unlock <passphrase>` and `/lock`; without it both answer that unlocking is not enabled. */
  unlock?: UnlockHook;
  /** The contact's scheduled jobs, for the agent's `schedule` tool (absent: no scheduler). */
  scheduleFor?: (contact: Contact) => ScheduleIO;
  /** The language an account speaks to its contacts in (default: the system's). */
  languageFor?: (accountId: string) => Lang;
  onEvent?: (event: DispatchEvent) => void;
  logger: Logger;
}

export type TurnOutcome = "done" | "failed" | "stopped" | "interrupted" | "skipped";

export type DispatchEvent =
  | { type: "turn-start"; accountId: string; userId: string; inboundId: number }
  | { type: "turn-end"; accountId: string; userId: string; inboundId: number; outcome: TurnOutcome };

/** The final state of an inbound message that the dispatcher records. */
export type FinishState = "done" | "failed" | "refused";
