export { GATEWAY_DEFAULTS } from "./defaults.js";
export { ConfigError, loadConfig } from "./load.js";
export { readConfigJson, readGatewaySettings } from "./read.js";
export {
  type Config,
  configSchema,
  type GatewaySettings,
  gatewaySettingsSchema,
  type MediaSettings,
  mediaSettingsSchema,
} from "./schema.js";
