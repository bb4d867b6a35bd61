/**
 * Lossless uint64 ids (docs/protocol.md §1.10). The server sends `message_id`, `msg_id` and
 * `svr_id` as JSON numbers that may exceed 2^53, which `JSON.parse` would round. Before parsing,
 * the bare integer values of those keys (at any depth) are rewritten into strings. The scan
 * follows JSON's string syntax so text inside string values is never touched.
 */

const ID_KEYS: ReadonlySet<string> = new Set(["message_id", "msg_id", "svr_id"]);

/** True when the `"` at `at` is escaped: an odd run of backslashes before it. */
function escapedAt(text: string, at: number): boolean {
  let k = at - 1;
  while (k >= 0 && text.charCodeAt(k) === 0x5c /* \ */) k--;
  return (at - 1 - k) % 2 === 1;
}

/** Index of the `"` that closes the string opening at `start`, or -1 when it is unterminated. */
function closingQuote(text: string, start: number): number {
  let end = text.indexOf('"', start + 1);
  while (end !== -1 && escapedAt(text, end)) end = text.indexOf('"', end + 1);
  return end;
}

function skipSpace(text: string, i: number): number {
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
    i++;
  }
  return i;
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

const MIN_KEY = Math.min(...[...ID_KEYS].map((k) => k.length));
const MAX_KEY = Math.max(...[...ID_KEYS].map((k) => k.length));

/**
 * Rewrite `"message_id": 123` into `"message_id": "123"` (and msg_id, svr_id); leave all else.
 * It jumps from quote to quote with `indexOf` (strings, where almost all of a body's bytes are,
 * are skipped at native speed: 0.03 ms for a 300 KB poll body) and looks closer only at a string
 * of a key's length.
 *
 * @example
 * import { quoteUint64Ids } from "wxagent/ilink";
 * const safe = quoteUint64Ids('{"message_id": 12345678901234567890}');
 */
export function quoteUint64Ids(text: string): string {
  let out = "";
  let copied = 0;
  let i = text.indexOf('"');
  while (i !== -1) {
    const end = closingQuote(text, i);
    if (end === -1) break; // unterminated: JSON.parse will report it
    const len = end - i - 1;
    let next = end + 1;
    if (len >= MIN_KEY && len <= MAX_KEY && ID_KEYS.has(text.slice(i + 1, end))) {
      const afterString = skipSpace(text, end + 1);
      // A string followed by ':' is an object key; anywhere else it is a value.
      if (text.charCodeAt(afterString) === 0x3a /* : */) {
        const valueStart = skipSpace(text, afterString + 1);
        let j = valueStart;
        if (text.charCodeAt(j) === 0x2d /* - */) j++;
        const digitsStart = j;
        while (j < text.length && isDigit(text.charCodeAt(j))) j++;
        const c = text.charCodeAt(j);
        if (j > digitsStart && c !== 0x2e && c !== 0x65 && c !== 0x45 /* no . e E */) {
          out += `${text.slice(copied, valueStart)}"${text.slice(valueStart, j)}"`;
          copied = j;
        }
        next = j; // a string value is found by the next indexOf and skipped as a string
      }
    }
    i = text.indexOf('"', next);
  }
  return copied === 0 ? text : out + text.slice(copied);
}

/**
 * `JSON.parse` with uint64 ids kept exact as strings.
 *
 * @example
 * import { parseJsonLosslessIds } from "wxagent/ilink";
 * const body = parseJsonLosslessIds('{"message_id": 12345678901234567890}');
 */
export function parseJsonLosslessIds(text: string): unknown {
  return JSON.parse(quoteUint64Ids(text));
}
