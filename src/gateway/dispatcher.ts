/** The dispatcher's old entry point: it is the pipeline in dispatch/ now. */
export type { UnlockHook } from "./commands.js";
export {
  type AccessCheck,
  type AccessVerdictLike,
  type DispatchEvent,
  Dispatcher,
  type DispatchOptions,
  TurnAborted,
  type TurnOutcome,
} from "./dispatch/index.js";
