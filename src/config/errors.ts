/** A config.json that cannot be used: the message names the file and the keys to fix. */
export class ConfigError extends Error {
  readonly code = "CONFIG_INVALID";
  readonly isRetryable = false;
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}
