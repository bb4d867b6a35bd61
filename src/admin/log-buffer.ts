/**
 * The last few hundred log lines, for the admin UI's Logs page. It is a pino destination (an
 * object with `write(line)`), so the CLI adds it next to stderr with `pino.multistream`. Lines
 * arrive already redacted by the logger's redact paths; `entries()` runs `redactText` over them
 * again, because a secret inside free text (an error message quoting a URL) has no key to match.
 */
import pino, { type Logger } from "pino";
import { createRootLogger, redactText, stderrDestination } from "../util/logger.js";

export const DEFAULT_LOG_LINES = 500;

export type LogLevelName = "trace" | "debug" | "info" | "warn" | "error" | "fatal";

/** One parsed log line as the Logs page shows it. */
export interface LogEntry {
  /** Increases by one per line written: a page polls for lines after the last seq it saw. */
  seq: number;
  timeMs: number;
  level: LogLevelName;
  /** The logger's `name` (`gateway:poller`, `ops` …). */
  name?: string;
  msg: string;
  /** The other fields of the line (account ids, error codes …) as compact JSON, redacted. */
  details?: string;
}

const PINO_LEVELS: Record<number, LogLevelName> = {
  10: "trace",
  20: "debug",
  30: "info",
  40: "warn",
  50: "error",
  60: "fatal",
};

const RANK: Record<LogLevelName, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 };

export function levelRank(level: LogLevelName): number {
  return RANK[level];
}

/** Drop keys pino adds to every line; the rest are the line's details. */
const OWN_KEYS = new Set(["level", "time", "name", "part", "msg", "pid", "hostname", "v"]);

export class LogBuffer {
  readonly #capacity: number;
  readonly #lines: { seq: number; raw: string }[] = [];
  #seq = 0;

  constructor(capacity: number = DEFAULT_LOG_LINES) {
    this.#capacity = Math.max(1, capacity);
  }

  /** pino's destination interface: one or more JSON lines per call. */
  write(chunk: string): boolean {
    for (const raw of chunk.split("\n")) {
      if (raw.trim() === "") continue;
      this.#seq += 1;
      this.#lines.push({ seq: this.#seq, raw });
      if (this.#lines.length > this.#capacity) this.#lines.shift();
    }
    return true;
  }

  /** Lines newest last, at or above `minLevel`, at most `limit` of them, with a seq above `afterSeq`. */
  entries(options: { minLevel?: LogLevelName; limit?: number; afterSeq?: number } = {}): LogEntry[] {
    const min = RANK[options.minLevel ?? "trace"];
    const after = options.afterSeq ?? 0;
    const out: LogEntry[] = [];
    for (const { seq, raw } of this.#lines) {
      if (seq <= after) continue;
      const entry = parseLine(seq, raw);
      if (RANK[entry.level] >= min) out.push(entry);
    }
    const limit = options.limit ?? this.#capacity;
    return out.slice(Math.max(0, out.length - limit));
  }

  /** The seq of the newest line (0 when empty). */
  get lastSeq(): number {
    return this.#seq;
  }

  get size(): number {
    return this.#lines.length;
  }
}

function parseLine(seq: number, raw: string): LogEntry {
  let obj: Record<string, unknown> | undefined;
  try {
    const parsed: unknown = JSON.parse(raw);
    if (parsed && typeof parsed === "object" && !Array.isArray(parsed))
      obj = parsed as Record<string, unknown>;
  } catch {
    obj = undefined;
  }
  if (!obj) return { seq, timeMs: Date.now(), level: "info", msg: redactText(raw) };
  const level = typeof obj.level === "number" ? (PINO_LEVELS[obj.level] ?? "info") : asLevel(obj.level);
  const entry: LogEntry = {
    seq,
    timeMs: typeof obj.time === "number" ? obj.time : Date.now(),
    level,
    msg: redactText(typeof obj.msg === "string" ? obj.msg : ""),
  };
  // Child loggers add a `part` to the component name: show them together (`ops:login`).
  const name = [obj.name, obj.part].filter((v): v is string => typeof v === "string").join(":");
  if (name) entry.name = name;
  const rest: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) if (!OWN_KEYS.has(k)) rest[k] = v;
  if (Object.keys(rest).length > 0) entry.details = redactText(JSON.stringify(rest));
  return entry;
}

function asLevel(value: unknown): LogLevelName {
  return typeof value === "string" && value in RANK ? (value as LogLevelName) : "info";
}

/**
 * A root logger like `getLogger()`'s (same redaction, JSON lines to stderr) that also feeds
 * `buffer`. The CLI installs it with `setLogger()` before it builds the gateway, so every
 * component's lines reach the Logs page. `stderr: false` (tests) writes to the buffer only.
 */
export function createBufferedLogger(
  buffer: LogBuffer,
  options: { level?: string; stderr?: boolean } = {},
): Logger {
  const level = options.level ?? process.env.WXAGENT_LOG_LEVEL ?? "info";
  const streams: pino.StreamEntry[] = [{ level: level as pino.Level, stream: buffer }];
  if (options.stderr !== false) streams.push({ level: level as pino.Level, stream: stderrDestination() });
  return createRootLogger(pino.multistream(streams), level);
}
