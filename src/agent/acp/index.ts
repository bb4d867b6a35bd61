/** The ACP agent: any Agent Client Protocol agent (Claude Code, Codex, Gemini CLI…) behind WeChat. */
export { ACP_DEFAULTS, type AcpAgent, type AcpProcessInfo, createAcpAgent } from "./agent.js";
export {
  type AcpAgentConfig,
  type AcpCommand,
  type AcpSettings,
  acpSettingsSchema,
  decide,
  KIND_TO_TOOL,
  presetFor,
  sessionKeyOf,
} from "./config.js";
export {
  type AcpCheckOptions,
  type AcpCheckResult,
  checkAcpCommand,
  findCommand,
  startTimeoutFor,
} from "./doctor.js";
export { AcpError, type AcpErrorCode } from "./errors.js";
export { chooseMode, type ModeChoice, modeLevel } from "./modes.js";
export { formatQuestion, parseAnswer } from "./permission.js";
export {
  ACP_COMMAND_PRESETS,
  ACP_PRESET_NEEDS,
  type AcpCommandPresetName,
  acpCommandPreset,
  adapterVersionWarning,
  isAcpCommandPreset,
  resolveAcpCommand,
} from "./presets.js";
