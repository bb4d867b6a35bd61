/**
 * The simulator's own JSON for uint64 ids. The live server writes `message_id`, `msg_id` and
 * `svr_id` as bare JSON numbers that may exceed 2^53 (§1.10), which `JSON.stringify` cannot do.
 * Here ids are bigints and are written as raw digits; every other value is written as usual.
 * Requests are read the other way round: those three keys become strings before `JSON.parse`.
 */

/** Keys whose numeric values are uint64 on the wire. */
export const UINT64_KEYS: ReadonlySet<string> = new Set(["message_id", "msg_id", "svr_id"]);

/**
 * JSON text of a value where every bigint is written as a raw JSON number. Iterative (an explicit
 * stack), so a message nested 100 000 deep is written like any other: a server does send such
 * things, and a client must survive them.
 */
export function toJsonText(value: unknown): string {
  const out: string[] = [];
  // Work items: a value still to write, or literal text (closing brackets, commas, keys).
  const stack: ({ v: unknown } | string)[] = [{ v: value }];
  for (let task = stack.pop(); task !== undefined; task = stack.pop()) {
    if (typeof task === "string") {
      out.push(task);
      continue;
    }
    const v = task.v;
    if (typeof v === "bigint") {
      out.push(v.toString());
    } else if (Array.isArray(v)) {
      out.push("[");
      stack.push("]");
      for (let i = v.length - 1; i >= 0; i--) {
        const item: unknown = v[i];
        // JSON.stringify writes null for undefined array slots; do the same.
        stack.push(item === undefined || typeof item === "function" ? "null" : { v: item });
        if (i > 0) stack.push(",");
      }
    } else if (v !== null && typeof v === "object" && !(v instanceof Date)) {
      out.push("{");
      stack.push("}");
      // Absent, not null: the wire drops undefined fields (§1.3).
      const entries = Object.entries(v).filter(([, x]) => x !== undefined && typeof x !== "function");
      for (let i = entries.length - 1; i >= 0; i--) {
        const [k, x] = entries[i] as [string, unknown];
        stack.push({ v: x }, `${JSON.stringify(k)}:`);
        if (i > 0) stack.push(",");
      }
    } else {
      out.push(JSON.stringify(v) ?? "null");
    }
  }
  return out.join("");
}

/**
 * Parses request JSON, turning bare numbers under the uint64 keys into strings first so that no
 * id a client sends back (a quoted `svr_id`, say) loses digits. Throws SyntaxError on bad JSON.
 */
export function parseJsonLossless(text: string): unknown {
  return JSON.parse(quoteUint64Values(text));
}

/** Wraps the bare-number values of the uint64 keys in quotes; text inside strings is untouched. */
export function quoteUint64Values(text: string): string {
  const out: string[] = [];
  let last = 0;
  let i = 0;
  while (i < text.length) {
    if (text[i] !== '"') {
      i++;
      continue;
    }
    const end = endOfString(text, i);
    if (end < 0) break;
    const key = text.slice(i + 1, end);
    let j = skipSpace(text, end + 1);
    if (text[j] === ":" && UINT64_KEYS.has(key)) {
      j = skipSpace(text, j + 1);
      const m = /^-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(text.slice(j, j + 64));
      if (m) {
        out.push(text.slice(last, j), '"', m[0], '"');
        last = j + m[0].length;
        i = last;
        continue;
      }
    }
    i = end + 1;
  }
  out.push(text.slice(last));
  return out.join("");
}

/** Index of the closing quote of the string opening at `start`, or -1. */
function endOfString(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    const ch = text[i];
    if (ch === "\\") i++;
    else if (ch === '"') return i;
  }
  return -1;
}

function skipSpace(text: string, from: number): number {
  let i = from;
  while (i < text.length && /\s/.test(text[i] ?? "")) i++;
  return i;
}
