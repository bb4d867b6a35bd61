/** Path containment for the sandbox (no symlink resolution: callers pass real paths). */
import { isAbsolute, relative, sep } from "node:path";

/** True when `child` is `root` or below it (both absolute and normalised). */
export function isInside(root: string, child: string): boolean {
  const rel = relative(root, child);
  return rel === "" || (!rel.startsWith(`..${sep}`) && rel !== ".." && !isAbsolute(rel));
}
