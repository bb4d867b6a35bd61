/**
 * Make invisible characters visible, so what is shown is exactly what is there: control characters
 * (but newline and tab), bidirectional overrides and zero-width characters become `\u{…}`. Used
 * where text from outside is shown to a person who decides on it: the exact command an agent asks
 * the owner to approve (gateway/ask-chat.ts), and what the CLI prints to a terminal, which would
 * otherwise act on ESC sequences (cursor moves, clearing, the window title), CR (rewriting the line)
 * and bidi overrides that a contact's message, a server's user id or error text can carry.
 */
export function showInvisible(text: string): string {
  return text.replace(
    // biome-ignore lint/suspicious/noControlCharactersInRegex: these are exactly what is escaped
    /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/gu,
    (c) => `\\u{${(c.codePointAt(0) ?? 0).toString(16)}}`,
  );
}
