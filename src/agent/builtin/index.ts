/** The built-in agent: public surface (the CLI and the gateway import from here). */

// Shared with the ACP agent (defined in src/agent/)
export {
  isApproval,
  isPresetName,
  offeredTools,
  type Permission,
  type PermissionsConfig,
  type PermissionsConfigInput,
  PRESET_NAMES,
  PRESETS,
  type Preset,
  type PresetName,
  permissionsConfigSchema,
  type ResolvedPreset,
  resolvePreset,
  TOOL_NAMES,
  type ToolName,
} from "../presets.js";
export {
  handleLock,
  handleUnlock,
  memoryUnlockStore,
  type UnlockResult,
  type UnlockState,
  type UnlockStateStore,
  unlockCommands,
  unlockStoreFromContacts,
} from "../unlock.js";
export {
  createTempWorkspace,
  ensureWorkspace,
  isInside,
  resolveInWorkspace,
  safeSegment,
  WorkspaceError,
  workspaceDirFor,
} from "../workspace.js";
// The agent
export { type BuiltinAgent, type BuiltinAgentOptions, createBuiltinAgent } from "./agent.js";
// Images to the model (`vision` in the config)
export {
  type BuiltinAgentConfig,
  type BuiltinAgentConfigInput,
  builtinAgentConfigSchema,
  PROGRESS_MODES,
  PROVIDERS,
  type ProgressMode,
  type ProviderKind,
  VISION_MODES,
  type VisionMode,
} from "./config.js";
export { BuiltinAgentError, type BuiltinAgentErrorCode } from "./errors.js";
// Model resolution and `wxagent doctor`
export {
  type CheckOptions,
  type CheckResult,
  checkModel,
  createModel,
  type ModelSettings,
  resolveModelSettings,
} from "./model.js";
// Tool helpers others reuse (ACP agent, tests)
export { safeEnv } from "./tools/command.js";
export { guardedFetch } from "./tools/fetch.js";
export { buildTools, summariseCall, type ToolGate } from "./tools/index.js";
export { AddressRefusedError, isBlockedAddress, type Resolver } from "./tools/netguard.js";
export { visionEnabled } from "./vision.js";
