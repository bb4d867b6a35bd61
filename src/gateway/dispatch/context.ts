/**
 * What each dispatch step hands the next. Two pipelines: a message's (arrival → access → commands
 * → pending asks → queue) and a queued job's (reset → frame → input → media → turn → reply); the
 * queue step starts the second when the conversation's turn comes. Each context is the one before
 * it plus what one step established.
 */
import type { AgentInput, AgentReply, Contact } from "../../agent/types.js";
import type { InboundMessage } from "../../store/types.js";
import type { GatewayCommand } from "../commands.js";
import type { ScheduledTurn } from "../schedule/scheduler.js";
import type { TurnOutcome } from "./options.js";
import type { ProgressNotes } from "./turn-parts.js";

/** A message as `Dispatcher.submit` receives it. */
export interface Arrival {
  message: InboundMessage;
  /** Its conversation (account + group or sender): one turn at a time per key. */
  key: string;
  /** It came from the store after a restart: no `onInbound`, never an answer to a question. */
  replay: boolean;
  /** Its first text (the real one of a scrubbed `/unlock` row). */
  text: string | undefined;
}

/** Past the access step: the policy let it through (or there is no policy). */
export interface Admitted extends Arrival {
  /** The text for the agent when the policy rewrote it (a group mention removed); also in `text`. */
  agentText: string | undefined;
}

/** Past the commands the dispatcher answers before questions (`/stop`, `/unlock`, `/lock`). */
export interface Commanded extends Admitted {
  /** The gateway command the text starts with, if any (`/help`, `/status` and `/new` are still to come). */
  command: GatewayCommand | undefined;
}

/** One queued unit of work of a conversation, as the job pipeline starts with it. */
export interface Job {
  message: InboundMessage;
  key: string;
  kind: "turn" | "reset";
  /** The text for the agent when the access policy rewrote it. */
  agentText: string | undefined;
  /** A scheduled prompt: `message` is made up (negative id, not stored); its end goes through these. */
  scheduled: ScheduledTurn | undefined;
  /**
   * Hands the job's `maxTurns` slot back while the conversation stays busy: called once the agent
   * has answered, so the reply's sending (send round trips, spacing) holds no agent slot.
   */
  releaseTurnSlot: () => void;
}

/** A job waiting in its lane: it gets `releaseTurnSlot` when it starts. */
export type QueuedJob = Omit<Job, "releaseTurnSlot">;

/** The frame of a running agent turn: its signal, and how its end is recorded. */
export interface TurnFrame {
  /** Aborted by `/stop`, the wall-time limit or shutdown (the reason is a `TurnAborted`). */
  signal: AbortSignal;
  /** Waiting on an `ask` (shutdown aborts such a turn at once). */
  setAsking(waiting: boolean): void;
  /**
   * Record the end: the inbound row's state, or the scheduled job's. `outcome` (default from
   * `state`) is what the turn-end event says when a step ends the turn itself.
   */
  finish(state: "done" | "failed", reason?: string, outcome?: TurnOutcome): Promise<void>;
}

export interface Framed extends Job {
  kind: "turn";
  turn: TurnFrame;
}

/** The agent's input is built: who asks, what they said (cut, quoted), the media. */
export interface WithInput extends Framed {
  contact: Contact;
  input: AgentInput;
}

/** The agent answered; its progress notes are still open until the reply goes out. */
export interface Answered extends WithInput {
  reply: AgentReply;
  progress: ProgressNotes;
}
