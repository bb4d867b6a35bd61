/**
 * Is a group message addressed to the bot? A group message on the wire is a `WeixinMessage` with
 * `group_id` set and `from_user_id` the member who wrote; there is no structured mention field, so
 * addressing is read from the text:
 *   - a mention `@<name>` anywhere, for any of `mentionNames` (case-insensitive, whole name: it
 *     must be followed by whitespace, punctuation or the end). WeChat puts U+2005 after a
 *     mention, which counts as whitespace;
 *   - or a prefix at the very start, e.g. `/ai` (whole word when the prefix ends in a letter or
 *     digit, so `/ai` does not match `/aim`).
 * The mention or prefix is removed from the text handed to the agent.
 */

export type Addressing = { addressed: true; via: "mention" | "prefix"; text: string } | { addressed: false };

export interface AddressOptions {
  /** Bot names, with or without the leading `@`. */
  mentionNames: readonly string[];
  prefixes: readonly string[];
}

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
/** What may follow a name or word-like prefix: whitespace, ASCII or CJK punctuation, the end. */
const BOUNDARY = "(?=$|[\\s,.:;!?，。：；！？、)）])";
/** Punctuation that may directly follow a mention (the BOUNDARY set without the blanks). */
const PUNCTUATION = /^[,.:;!?，。：；！？、)）]$/u;
/** Left over at the start once the mention is gone ("@bot, hi" → "hi"). */
const LEADING_JUNK = /^[\s,:;，：；]+/;

export function detectAddress(text: string, options: AddressOptions): Addressing {
  let rest = text;
  let via: "mention" | "prefix" | undefined;

  const head = rest.trimStart();
  for (const raw of options.prefixes) {
    const prefix = raw.trim();
    if (prefix === "" || !head.toLowerCase().startsWith(prefix.toLowerCase())) continue;
    const after = head.slice(prefix.length);
    const needsBoundary = /[\p{L}\p{N}]$/u.test(prefix);
    if (needsBoundary && !new RegExp(`^${BOUNDARY}`, "u").test(after)) continue;
    rest = after;
    via = "prefix";
    break;
  }

  for (const raw of options.mentionNames) {
    const name = raw.trim().replace(/^@/, "");
    if (name === "") continue;
    // The blanks after the mention go with it, so "hi @bot there" reads "hi there".
    const re = new RegExp(`(^|\\s)@${escapeRegExp(name)}(?:[^\\S\\n]+|${BOUNDARY})`, "giu");
    // Right before punctuation the blank before the mention goes too: "thanks @bot, bye" reads
    // "thanks, bye", not "thanks , bye".
    const stripped = rest.replace(re, (match: string, lead: string, at: number, whole: string) =>
      PUNCTUATION.test(whole.charAt(at + match.length)) && lead !== "\n" ? "" : lead,
    );
    if (stripped !== rest) {
      rest = stripped;
      via ??= "mention";
    }
  }

  if (via === undefined) return { addressed: false };
  return { addressed: true, via, text: rest.replace(LEADING_JUNK, "").trimEnd() };
}
