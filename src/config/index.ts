export { ConfigError, loadConfig } from "./load.js";
export {
  type Config,
  configSchema,
  type GatewaySettings,
  gatewaySettingsSchema,
  type MediaSettings,
  mediaSettingsSchema,
} from "./schema.js";
