/**
 * The defaults of `config.json` that commands read without the schema: the schema uses these
 * values, and `readGatewaySettings` returns them when the file sets no `gateway`. No zod here
 * (zod costs about 100 ms of start-up, more than the rest of `wxagent status`).
 */
export const GATEWAY_DEFAULTS = {
  maxTurns: 16,
  spacingMs: 1000,
  chunkChars: 2000,
  quotaPerToken: 10,
  typingAfterMs: 1500,
  drainTimeoutMs: 10_000,
} as const;

export const DEFAULT_ADMIN_PORT = 8791;
