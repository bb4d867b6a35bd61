/**
 * The one logger of wxagent: pino, JSON lines to stderr (stdout stays free for MCP stdio and
 * `--json` output). Secrets are redacted by key name, and any string that looks like a bearer
 * token is masked by `redactText` before it is logged.
 */
import pino, { type Logger } from "pino";

export type { Logger } from "pino";

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

/** The process-wide root logger. Level from `WXAGENT_LOG_LEVEL` (default `info`). */
export function getLogger(): Logger {
  root ??= pino(
    {
      level: process.env.WXAGENT_LOG_LEVEL ?? "info",
      redact: { paths: redactPaths, censor: "[redacted]" },
      base: undefined,
    },
    pino.destination({ fd: 2, sync: false }),
  );
  return root;
}

/** A child logger for one component (`ilink:api`, `gateway:poller`, …). */
export function createLogger(name: string, bindings: Record<string, unknown> = {}): Logger {
  return getLogger().child({ name, ...bindings });
}

/** Replace the root logger (tests capture log lines with this). */
export function setLogger(logger: Logger): void {
  root = logger;
}

/**
 * Mask anything that looks like a secret inside free text: `Bearer …`, long opaque tokens
 * and `key=value` pairs for secret keys. Used on error messages and bodies before logging.
 */
export function redactText(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const s of secrets) {
    if (s && s.length >= 6) out = out.split(s).join("[redacted]");
  }
  out = out.replace(/Bearer\s+[^\s"',}]+/gi, "Bearer [redacted]");
  out = out.replace(
    /("?(?:bot_token|token|context_token|typing_ticket|aes_key|aeskey|api_key|apiKey)"?\s*[:=]\s*"?)[^\s"',}&]+/g,
    "$1[redacted]",
  );
  return out;
}
