/**
 * Safe file names for what users send: a WeChat `file_name` is untrusted text that becomes a path
 * in the contact's workspace, so separators, control characters, leading dots, dashes and tildes
 * (a dotfile, an option to a command, a home-relative path) and reserved names are removed, the length is capped (keeping the extension), and collisions get a numeric suffix.
 */

import { mkdir } from "node:fs/promises";
import { extname, join } from "node:path";
import { copyIntoWorkspace, PRIVATE_DIR_MODE } from "../../shared/workspace/index.js";
import { isBlank, trimEndWhere } from "../../util/text.js";

export const DEFAULT_MAX_NAME_CHARS = 120;

export interface SafeName {
  name: string;
  /** True when the original had to change for safety (not just for length). */
  changed: boolean;
}

// Control characters (C0, DEL, C1) and format characters: bidi overrides and zero-width marks can disguise a name.
const UNSAFE_CHARS = /[\p{Cc}\p{Cf}]/gu;
const SEPARATORS = /[\\/:*?"<>|]/g;
const WINDOWS_RESERVED = /^(con|prn|aux|nul|com\d|lpt\d)(\..*)?$/i;

/** Cut to `max` code points, keeping the extension when it is short. */
function capLength(name: string, max: number): string {
  const chars = [...name];
  if (chars.length <= max) return name;
  const ext = extname(name);
  const extChars = [...ext];
  if (ext && extChars.length <= 16 && extChars.length < max) {
    return chars.slice(0, max - extChars.length).join("") + ext;
  }
  return chars.slice(0, max).join("");
}

/** The first `4 × max` characters and the last 32 (where the extension is) of a very long name. */
function headAndTail(name: string, max: number): string {
  return `${name.slice(0, 4 * max)}${name.slice(-32)}`;
}

/** A name fit for one path segment, or `fallback` when nothing usable is left. */
export function safeFileName(
  original: string | undefined,
  fallback = "file.bin",
  maxChars = DEFAULT_MAX_NAME_CHARS,
): SafeName {
  // Only the head and the extension can survive the cut to `maxChars`: a 300 000-character name
  // is not normalised, scanned and copied whole (tens of ms of the event loop per message).
  const raw =
    original && original.length > 4 * maxChars + 64 ? headAndTail(original, maxChars) : (original ?? "");
  let name = raw.normalize("NFC").replace(UNSAFE_CHARS, "").replace(SEPARATORS, "_");
  name = name.trim().replace(/^[.\s~-]+/, "");
  name = trimEndWhere(name, (c) => c === "." || isBlank(c));
  if (WINDOWS_RESERVED.test(name)) name = `_${name}`;
  const changed = name !== raw.trim();
  if (name === "" || name === "_") return { name: fallback, changed: raw !== "" };
  return { name: capLength(name, maxChars), changed };
}

/** `report.pdf` → `report (2).pdf`. */
export function numbered(name: string, n: number): string {
  const ext = extname(name);
  const stem = ext && ext !== name ? name.slice(0, -ext.length) : name;
  return `${stem} (${n})${ext && ext !== name ? ext : ""}`;
}

/**
 * Copy `source` into the folder `dir` of the workspace `root` under `name`, adding ` (2)`, ` (3)` …
 * when the name is taken. A copy, not a link: the agent may edit its inbox file while the media
 * directory keeps what arrived. The exclusive create makes two concurrent saves of one name land
 * in different files; the folder must be a real one inside the workspace (a planted link to
 * elsewhere is refused), and the copy is 0600.
 */
export async function saveUnique(
  source: string,
  root: string,
  dir: string,
  name: string,
  maxTries = 1000,
): Promise<string> {
  // The contact's workspace may not exist yet (its first message is a file).
  await mkdir(root, { recursive: true, mode: PRIVATE_DIR_MODE });
  for (let n = 1; n <= maxTries; n++) {
    const candidate = n === 1 ? name : numbered(name, n);
    try {
      await copyIntoWorkspace(root, source, join(dir, candidate), "exclusive");
      return candidate;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "EEXIST") continue;
      throw err;
    }
  }
  throw new Error(`no free name for ${name} in ${dir} after ${maxTries} tries`);
}
