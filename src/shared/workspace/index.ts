/** Workspace confinement and file access, shared by the agents and the gateway's media paths. */
export {
  isInside,
  isNotFound,
  MAX_PATH_CHARS,
  resolveInWorkspace,
  WorkspaceError,
  type WorkspaceErrorCode,
} from "./confine.js";
export {
  checkOpenedFile,
  copyIntoWorkspace,
  fsRefusal,
  HARD_LINK_REFUSAL,
  mkdirInWorkspace,
  type OpenedWorkspaceFile,
  openChecked,
  openInWorkspace,
  PRIVATE_DIR_MODE,
  PRIVATE_FILE_MODE,
  readInWorkspace,
  writeInWorkspace,
} from "./files.js";
export { relativeToWorkspace, rootSpellings } from "./messages.js";
