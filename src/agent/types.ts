/**
 * The Agent interface: what the gateway hands an agent for one turn, and what it gets back.
 * Agents know nothing of iLink or the store; the gateway owns delivery, quota and ordering.
 */
import type { Lang } from "../shared/i18n.js";

/** A piece of inbound media, already downloaded and decrypted by the gateway when `path` is set. */
export interface MediaRef {
  kind: "image" | "file" | "video" | "voice";
  /** Local file path of the decrypted content (absent when download failed or was skipped). */
  path?: string;
  /** Original or safe file name. */
  name?: string;
  mime?: string;
  size?: number;
  /** Voice: WeChat's own transcript, or one made by a configured transcription endpoint. */
  transcript?: string;
  /** Why the media is not available, in words fit for the model and the user. */
  error?: string;
}

export interface Contact {
  accountId: string;
  /** The WeChat user id (`…@im.wechat`). */
  userId: string;
  /** Set when the message came from a group. */
  groupId?: string;
  /** The WeChat user who scanned the QR code for this account. */
  isOwner: boolean;
  /** The account's language, for what the agent itself says (not the model); unset: the system's. */
  language?: Lang;
}

export interface QuotedMessage {
  text?: string;
  media?: MediaRef;
}

export interface AgentInput {
  contact: Contact;
  /** Stable id of the inbound message in the store. */
  messageId: string;
  text: string;
  media: MediaRef[];
  quote?: QuotedMessage;
  /** Aborted by `/stop`, by the turn's wall-time limit, and at shutdown. */
  signal: AbortSignal;
}

export interface AskOptions {
  /** Whom to ask: the contact (default) or the account's owner. */
  to?: "contact" | "owner";
  /** Default 120 000 ms. Silence resolves to `undefined`. */
  timeoutMs?: number;
  /**
   * What is to be approved, exactly (a command, a tool's arguments): shown verbatim under the
   * question, newlines kept, never cut, filtered or redacted; sent as a file when too long for
   * one message.
   */
  verbatim?: string;
  /** The short answers the question takes (e.g. `["y", "n"]`), for the line on how to answer. */
  answers?: string[];
}

/** A job the contact asks for: exactly one of `at`, `in`, `cron`, and one of `text`, `prompt`. */
export interface ScheduleToolRequest {
  /** An ISO time, or a wall-clock time (`2026-05-01 09:00`, `09:00`) in `tz`. */
  at?: string;
  /** A duration from now: `90s`, `45m`, `2h`, `1d`. */
  in?: string;
  /** Five-field cron, read in `tz`. */
  cron?: string;
  /** IANA zone (default: the gateway's). */
  tz?: string;
  /** Sent as it is when the job fires. */
  text?: string;
  /** Run as an agent turn in this chat when the job fires; its answer is sent. */
  prompt?: string;
}

/**
 * The contact's own scheduled jobs, offered by the gateway to an agent's `schedule` tool. Every
 * answer is a short text for the model; a refusal throws with the reason and the fix.
 */
export interface ScheduleIO {
  create(request: ScheduleToolRequest): Promise<string>;
  list(): Promise<string>;
  cancel(id: number): Promise<string>;
}

/** What the gateway offers an agent during a turn. */
export interface AgentIO {
  /** A progress note; the gateway coalesces these and keeps them within the send quota. */
  progress(text: string): void;
  /** Send a file back to the chat now (the path must be inside the contact's workspace). */
  sendFile(path: string, caption?: string): Promise<void>;
  /**
   * Ask the contact (or the owner) a question in the chat and wait for the next reply, which is
   * consumed as the answer instead of starting a new turn. `undefined` on timeout or abort.
   */
  ask(question: string, options?: AskOptions): Promise<string | undefined>;
  /** The contact's scheduled jobs (absent when the gateway runs no scheduler). */
  schedule?: ScheduleIO;
}

/**
 * In `AgentReply.text`, between two messages that must arrive as separate bubbles (an ACP agent's
 * messages with different ids). Delivery splits on it first (gateway/delivery/split.ts).
 */
export const BUBBLE_BREAK = "\u001e";

export interface AgentReply {
  text: string;
  /** Files to send after the text (paths inside the contact's workspace). */
  files?: { path: string; caption?: string }[];
}

/** One agent's saved state for one chat, as an `AgentSessionStore` returns it. */
export interface AgentSessionRecord {
  /** Agent-specific session state (e.g. an ACP session id, a message history). */
  data: unknown;
  updatedAtMs: number;
}

/**
 * Where an agent keeps a chat's session across restarts, keyed by account, user (or `user#group`)
 * and agent name. The CLI hands the store's async session table (`AsyncStore["sessions"]`, over
 * SQLite or PostgreSQL); kept structural here, so agents need nothing of the store.
 */
export interface AgentSessionStore {
  get(accountId: string, userId: string, agent: string): Promise<AgentSessionRecord | undefined>;
  put(accountId: string, userId: string, agent: string, data: unknown, atMs: number): Promise<void>;
  remove(accountId: string, userId: string, agent: string): Promise<void>;
}

export interface Agent {
  readonly name: string;
  /** One turn. Throwing is allowed: the gateway tells the user the turn failed, in plain words. */
  run(input: AgentInput, io: AgentIO): Promise<AgentReply>;
  /** `/new`: forget this contact's session. */
  reset?(contact: Contact): Promise<void>;
  /**
   * This contact's `send_file` permission. The gateway attaches a reply's files (`<<FILE:…>>`,
   * `files`) only on `allow` and refuses `AgentIO.sendFile` on `deny`. Default: `allow`. May
   * answer asynchronously (the built-in agent reads the contact's preset and unlock state).
   */
  sendFilePermission?(contact: Contact): "allow" | "ask" | "deny" | Promise<"allow" | "ask" | "deny">;
  /** Called once at gateway stop. */
  close?(): Promise<void>;
  /** The agent's own slash commands for this contact (listed by `/help`; sent on as text). */
  commands?(contact: Contact): { name: string; description: string }[];
}
