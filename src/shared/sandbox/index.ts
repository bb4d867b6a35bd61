/** The OS sandbox for commands and agent processes (bubblewrap on Linux, sandbox-exec on macOS). */
export { bwrapArgs, ETC_PATHS, SYSTEM_PATHS } from "./bwrap.js";
export { detectSandbox, findProgram, INSTALL_FIX_LINUX, noSandbox, systemSandbox } from "./detect.js";
export {
  DEFAULT_PATH,
  ENV_ALLOWLIST,
  type Sandbox,
  type SandboxLimits,
  type SandboxPolicy,
  type SandboxStatus,
  sandboxEnv,
  type WrappedCommand,
} from "./policy.js";
export { seatbeltProfile } from "./seatbelt.js";
