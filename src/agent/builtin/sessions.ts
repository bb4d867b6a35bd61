/**
 * Open per-contact sessions: memory across messages, closed after an idle timeout, bounded by
 * an LRU (the least recently used idle session is closed first; a busy one is never closed).
 */
import type { ModelMessage } from "ai";

export interface Session {
  key: string;
  workspace: string;
  history: ModelMessage[];
  busy: boolean;
  lastUsedMs: number;
}

export interface SessionPoolOptions {
  idleMs: number;
  maxOpen: number;
  now?: () => number;
  onClose?: (session: Session, why: "idle" | "evicted" | "reset" | "shutdown") => void;
}

export class SessionPool {
  readonly #sessions = new Map<string, Session>();
  readonly #timers = new Map<string, NodeJS.Timeout>();
  readonly #opts: SessionPoolOptions;

  constructor(options: SessionPoolOptions) {
    this.#opts = options;
  }

  get size(): number {
    return this.#sessions.size;
  }

  has(key: string): boolean {
    return this.#sessions.has(key);
  }

  /** Take a session for a turn (creating it if needed); call `release` when the turn ends. */
  acquire(key: string, create: () => Session): Session {
    let s = this.#sessions.get(key);
    if (s) this.#sessions.delete(key);
    else s = create();
    this.#sessions.set(key, s); // re-insert: Map order is the LRU order
    this.#clearTimer(key);
    s.busy = true;
    s.lastUsedMs = this.#now();
    this.#evict();
    return s;
  }

  release(session: Session): void {
    session.busy = false;
    session.lastUsedMs = this.#now();
    if (this.#sessions.get(session.key) !== session) return;
    this.#clearTimer(session.key);
    const timer = setTimeout(() => this.#close(session.key, "idle"), this.#opts.idleMs);
    timer.unref();
    this.#timers.set(session.key, timer);
    this.#evict();
  }

  /** `/new`: forget the session (a running turn keeps its own copy and is not written back). */
  reset(key: string): void {
    this.#close(key, "reset");
  }

  closeAll(): void {
    for (const key of [...this.#sessions.keys()]) this.#close(key, "shutdown");
  }

  #evict(): void {
    if (this.#sessions.size <= this.#opts.maxOpen) return;
    for (const [key, s] of this.#sessions) {
      if (this.#sessions.size <= this.#opts.maxOpen) break;
      if (!s.busy) this.#close(key, "evicted");
    }
  }

  #close(key: string, why: "idle" | "evicted" | "reset" | "shutdown"): void {
    const s = this.#sessions.get(key);
    this.#clearTimer(key);
    if (!s) return;
    this.#sessions.delete(key);
    this.#opts.onClose?.(s, why);
  }

  #clearTimer(key: string): void {
    const t = this.#timers.get(key);
    if (t) clearTimeout(t);
    this.#timers.delete(key);
  }

  #now(): number {
    return this.#opts.now?.() ?? Date.now();
  }
}
