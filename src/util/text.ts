/** `text` cut to its first `max` characters, with an ellipsis when anything was cut. */
export function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/**
 * `text` without the run of trailing characters that `drop` accepts, in linear time. The regex
 * way, `text.replace(/[.\s]+$/, "")`, retries at every position of a run that is not at the end:
 * a hostile "x" + 300 000 dots + "y" costs n² (minutes on the event loop). `drop` sees one UTF-16
 * unit at a time, so give it BMP characters only.
 */
export function trimEndWhere(text: string, drop: (ch: string) => boolean): string {
  let end = text.length;
  while (end > 0 && drop(text.charAt(end - 1))) end--;
  return end === text.length ? text : text.slice(0, end);
}

/** True for one character of JavaScript's `\s` (the test of a single character is constant time). */
export const isBlank = (ch: string): boolean => /^\s$/.test(ch);
