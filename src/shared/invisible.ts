/**
 * Make invisible characters visible, so what is shown is exactly what is there: control characters
 * (but newline and tab), bidirectional overrides and zero-width characters. Used where text from
 * outside is shown to a person who decides on it: the exact command an agent asks the owner to
 * approve (gateway/ask-chat.ts), and what the CLI prints to a terminal, which would otherwise act
 * on ESC sequences (cursor moves, clearing, the window title), CR (rewriting the line) and bidi
 * overrides that a contact's message, a server's user id or error text can carry.
 */

/** The characters made visible: C0 but TAB and LF, DEL, C1, zero-width and bidi controls, BOM. */
const INVISIBLE =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: these are exactly what is escaped
  /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/gu;

const hex = (c: string): string => (c.codePointAt(0) ?? 0).toString(16);

/** `text` with each invisible character written as `\u{…}`, for a person to read. */
export function showInvisible(text: string): string {
  return text.replace(INVISIBLE, (c) => `\\u{${hex(c)}}`);
}

/**
 * JSON text with the same characters written as JSON escapes (`\uXXXX`): it parses to the same
 * value, and a terminal that shows it acts on none of them. JSON.stringify escapes only C0 itself.
 */
export function jsonWithInvisibleEscaped(json: string): string {
  return json.replace(INVISIBLE, (c) => `\\u${hex(c).padStart(4, "0")}`);
}
