/**
 * The lines of a text stream, each kept to at most `maxChars`: the rest of a longer line is
 * dropped as it arrives, never held. readline keeps a line until its newline comes, so a child
 * process (a hostile agent) writing gigabytes without one would fill the gateway's memory.
 */
import type { Readable } from "node:stream";

export function onBoundedLines(
  stream: Readable,
  maxChars: number,
  onLine: (line: string) => void,
  onClose: () => void = () => {},
): void {
  let line = "";
  /** The current line reached maxChars: what follows up to its newline is dropped. */
  let full = false;
  stream.setEncoding("utf8");
  stream.on("data", (chunk: string) => {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf("\n", start);
      if (!full) {
        line += chunk.slice(start, Math.min(nl === -1 ? chunk.length : nl, start + maxChars - line.length));
        full = line.length >= maxChars;
      }
      if (nl === -1) return;
      onLine(line.endsWith("\r") ? line.slice(0, -1) : line);
      line = "";
      full = false;
      start = nl + 1;
    }
  });
  stream.once("close", () => {
    if (line !== "") onLine(line);
    line = "";
    onClose();
  });
}
