export { ConfigError, loadConfig } from "./load.js";
export { type Config, configSchema, type GatewaySettings, gatewaySettingsSchema } from "./schema.js";
