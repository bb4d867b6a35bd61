import { existsSync, readFileSync } from "node:fs";
import { type Config, configSchema } from "./schema.js";

export class ConfigError extends Error {
  readonly code = "CONFIG_INVALID";
  readonly isRetryable = false;
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

/** Read and validate the config file; a missing file is the empty config. */
export function loadConfig(path: string): Config {
  if (!existsSync(path)) return configSchema.parse({});
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new ConfigError(`${path} is not valid JSON (${(err as Error).message}); fix or remove it`);
  }
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`)
      .join("; ");
    throw new ConfigError(`${path} has invalid settings: ${problems}`);
  }
  return parsed.data;
}
