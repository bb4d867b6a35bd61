/**
 * Lossless uint64 ids (docs/protocol.md §1.10). The server sends `message_id`, `msg_id` and
 * `svr_id` as JSON numbers that may exceed 2^53, which `JSON.parse` would round. Before parsing,
 * the bare integer values of those keys (at any depth) are rewritten into strings. The scan
 * follows JSON's string syntax so text inside string values is never touched.
 */

const ID_KEYS: ReadonlySet<string> = new Set(["message_id", "msg_id", "svr_id"]);

/** Index just past the closing quote of the string that opens at `start` (a `"`). */
function skipString(text: string, start: number): number {
  let i = start + 1;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 0x5c /* \ */) i += 2;
    else if (c === 0x22 /* " */) return i + 1;
    else i++;
  }
  return text.length; // unterminated: JSON.parse will report it
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

/**
 * Rewrite `"message_id": 123` into `"message_id": "123"` (and msg_id, svr_id); leave all else.
 *
 * @example
 * import { quoteUint64Ids } from "wxagent/ilink";
 * const safe = quoteUint64Ids('{"message_id": 12345678901234567890}');
 */
export function quoteUint64Ids(text: string): string {
  let out = "";
  let copied = 0;
  let i = 0;
  while (i < text.length) {
    if (text.charCodeAt(i) !== 0x22) {
      i++;
      continue;
    }
    const end = skipString(text, i);
    const afterString = skipSpace(text, end);
    // A string followed by ':' is an object key; anywhere else it is a value.
    if (text.charCodeAt(afterString) !== 0x3a || !ID_KEYS.has(text.slice(i + 1, end - 1))) {
      i = end;
      continue;
    }
    const valueStart = skipSpace(text, afterString + 1);
    let j = valueStart;
    if (text.charCodeAt(j) === 0x2d /* - */) j++;
    const digitsStart = j;
    while (j < text.length && isDigit(text.charCodeAt(j))) j++;
    const next = text.charCodeAt(j);
    const isInteger = j > digitsStart && next !== 0x2e && next !== 0x65 && next !== 0x45; // no . e E
    if (isInteger) {
      out += `${text.slice(copied, valueStart)}"${text.slice(valueStart, j)}"`;
      copied = j;
    }
    i = j; // j >= valueStart: a string or object value is scanned from its start
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
