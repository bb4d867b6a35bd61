/**
 * Redaction of free text, shared by the SDK (its error messages) and the app (log lines, REST and
 * MCP answers). Key-name redaction of structured log fields is the logger's (src/util/logger.ts).
 */

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

/** An error's message (or the value as text) with anything token-like redacted, for log lines. */
export function errText(err: unknown): string {
  return redactText(err instanceof Error ? err.message : String(err));
}
