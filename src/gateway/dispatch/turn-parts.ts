/** Small pieces of one turn: why it was aborted, and its coalesced progress notes. */
import { WxError } from "../../shared/wx-error.js";

export type AbortKind = "stop" | "shutdown" | "timeout";

/** The reason a turn's signal carries, so the turn knows why it was aborted. */
export class TurnAborted extends WxError<"TURN_ABORTED"> {
  override name = "TurnAborted";
  constructor(readonly kind: AbortKind) {
    super("TURN_ABORTED", `turn aborted (${kind})`);
  }
}

/** Progress notes of one turn, coalesced into one note per interval (delivery then applies the quota). */
export class ProgressNotes {
  #notes: string[] = [];
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(
    private readonly intervalMs: number,
    private readonly send: (text: string) => void,
  ) {}

  add(text: string): void {
    if (this.#closed || text.trim() === "") return;
    this.#notes.push(text.trim());
    this.#timer ??= setTimeout(() => this.#flush(), this.intervalMs);
  }

  /** The turn ended: unsent notes are dropped (the answer supersedes them). */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#notes = [];
  }

  #flush(): void {
    this.#timer = undefined;
    if (this.#closed || this.#notes.length === 0) return;
    const text = this.#notes.join("\n");
    this.#notes = [];
    this.send(text);
  }
}
