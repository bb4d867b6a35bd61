import { ConfigError } from "./errors.js";
import { readConfigJson } from "./json.js";
import { type Config, configSchema } from "./schema.js";

export { ConfigError };

/** Read and validate the config file; a missing file is the empty config. */
export function loadConfig(path: string): Config {
  const raw = readConfigJson(path);
  if (raw === undefined) return configSchema.parse({});
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`)
      .join("; ");
    throw new ConfigError(`${path} has invalid settings: ${problems}`);
  }
  return parsed.data;
}
