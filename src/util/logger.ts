/**
 * The one logger of wxagent: pino, JSON lines to stderr (stdout stays free for MCP stdio and
 * `--json` output). Secrets are redacted by key name, and any string that looks like a bearer
 * token is masked by `redactText` before it is logged.
 */
import { createRequire } from "node:module";
import type * as Pino from "pino";
import type { Logger } from "pino";

export type { Logger } from "pino";
// Text redaction lives in shared/ (the SDK uses it too); re-exported for the app's many callers.
export { errText, redactText } from "../shared/redact.js";

/**
 * pino, loaded on first use rather than at import: a command that never logs (`wxagent --help`,
 * `wxagent status`) starts about 40 ms sooner. pino is CommonJS, so `require` loads it in step.
 */
let pinoModule: typeof Pino | undefined;
function pino(): typeof Pino.pino {
  pinoModule ??= createRequire(import.meta.url)("pino") as typeof Pino;
  return pinoModule.pino;
}

/** Keys whose values never reach a log line, at any depth pino's redaction covers. */
export const SECRET_KEYS = [
  "token",
  "bot_token",
  "botToken",
  "authorization",
  "Authorization",
  "context_token",
  "contextToken",
  "typing_ticket",
  "typingTicket",
  "aes_key",
  "aeskey",
  "aesKey",
  "apiKey",
  "api_key",
  "passphrase",
  "password",
  "secret",
] as const;

const redactPaths = SECRET_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`]);

let root: Logger | undefined;

const LEVEL_NAMES: Record<number, string> = {
  10: "trace",
  20: "debug",
  30: "info",
  40: "WARN",
  50: "ERROR",
  60: "FATAL",
};
const QUIET_KEYS = new Set(["level", "time", "name", "msg", "pid", "hostname"]);

/** One JSON log line as a short human line: `12:00:01 WARN gateway:poller message key=value`. */
export function prettyLine(json: string): string {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json;
  }
  const time = new Date(typeof o.time === "number" ? o.time : Date.now()).toTimeString().slice(0, 8);
  const level = LEVEL_NAMES[o.level as number] ?? String(o.level);
  const extras = Object.entries(o)
    .filter(([k]) => !QUIET_KEYS.has(k))
    .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`)
    .join(" ");
  return `${time} ${level} ${o.name ?? ""} ${o.msg ?? ""}${extras ? `  ${extras}` : ""}\n`;
}

/**
 * JSON lines by default (for files, journald and tools); short human lines when stderr is a
 * terminal, unless `WXAGENT_LOG_FORMAT=json`.
 */
export function stderrDestination(): Pino.DestinationStream {
  const format = process.env.WXAGENT_LOG_FORMAT ?? (process.stderr.isTTY ? "pretty" : "json");
  if (format !== "pretty") return pino().destination({ fd: 2, sync: false });
  return {
    write(line: string) {
      process.stderr.write(prettyLine(line.trimEnd()));
    },
  };
}

/** A logger with wxagent's settings (level, redaction) writing to `dest`. */
export function createRootLogger(dest: Pino.DestinationStream = stderrDestination(), level?: string): Logger {
  return pino()(
    {
      level: level ?? process.env.WXAGENT_LOG_LEVEL ?? "info",
      redact: { paths: redactPaths, censor: "[redacted]" },
      base: undefined,
    },
    dest,
  );
}

/** The process-wide root logger. Level from `WXAGENT_LOG_LEVEL` (default `info`). */
export function getLogger(): Logger {
  root ??= createRootLogger();
  return root;
}

/** A child logger for one component (`ilink:api`, `gateway:poller`, …). */
export function createLogger(name: string, bindings: Record<string, unknown> = {}): Logger {
  return getLogger().child({ name, ...bindings });
}

/**
 * A component logger made on first use: for module-level loggers of modules that light commands
 * import (the store), so importing them does not load pino.
 */
export function lazyLogger(name: string): () => Logger {
  let log: Logger | undefined;
  return () => {
    log ??= createLogger(name);
    return log;
  };
}

/** Replace the root logger (tests capture log lines with this). */
export function setLogger(logger: Logger): void {
  root = logger;
}
