/**
 * Error texts for a model or a contact name workspace paths relative to the workspace: where the
 * workspace lives on the host (under `$WXAGENT_HOME`) is nobody's business but the operator's.
 */
import { realpathSync } from "node:fs";
import { resolve } from "node:path";

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** The spellings of a workspace root: as configured and after realpath (they differ under a symlink). */
export function rootSpellings(root: string): string[] {
  const out = new Set([resolve(root)]);
  try {
    out.add(realpathSync(root));
  } catch {
    // A root that does not exist yet has one spelling.
  }
  return [...out];
}

/**
 * `text` with every absolute spelling of the workspace root removed: `/…/ws/notes/a.txt` becomes
 * `notes/a.txt`, the root itself `.`. A longer path that merely starts with the same letters
 * (`/…/ws2`) is left alone.
 */
export function relativeToWorkspace(text: string, roots: readonly string[]): string {
  let out = text;
  for (const root of [...new Set(roots)].filter((r) => r !== "/").sort((a, b) => b.length - a.length)) {
    const pattern = new RegExp(`${escapeRegExp(root.replace(/\/+$/, ""))}(?:/+|(?![^\\s'"\`),:;\\]]))`, "g");
    out = out.replace(pattern, (m) => (m.endsWith("/") ? "" : "."));
  }
  return out;
}
