import { WxError } from "../shared/wx-error.js";

/** A config.json that cannot be used: the message names the file and the keys to fix. */
export class ConfigError extends WxError<"CONFIG_INVALID"> {
  override name = "ConfigError";
  constructor(message: string) {
    super("CONFIG_INVALID", message);
  }
}
