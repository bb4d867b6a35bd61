export { GATEWAY_DEFAULTS } from "./defaults.js";
export { readConfigJson } from "./json.js";
export { ConfigError, loadConfig } from "./load.js";
export { readGatewaySettings } from "./read.js";
export {
  type Config,
  configSchema,
  type GatewaySettings,
  gatewaySettingsSchema,
  type MediaSettings,
  mediaSettingsSchema,
} from "./schema.js";
