/**
 * Built-in regexes over contact and model text that retried at every position of a long run of
 * blanks (`/\s+$/`, `/[ \t]*<<FILE:/`, `/[ \t]+$/`): 300 000 spaces before one letter froze the
 * event loop for about a minute. They are linear now, so these answers come back at once.
 */
import { describe, expect, it } from "vitest";
import { extractFileTags } from "./media/outbound.js";
import { detectAddress } from "./policy/mention.js";

const RUN = " ".repeat(300_000);

describe("no quadratic regex over a contact's or the model's text", () => {
  it("a group message of a mention and a long run of spaces", () => {
    const r = detectAddress(`@Helper hi${RUN}x`, { mentionNames: ["Helper"], prefixes: [] });
    expect(r).toMatchObject({ addressed: true, text: `hi${RUN}x` });
    expect(detectAddress(`@Helper hi${RUN}`, { mentionNames: ["Helper"], prefixes: [] })).toMatchObject({
      text: "hi",
    });
  });

  it("a reply with a long run of blanks, with and without a <<FILE:>> tag", () => {
    expect(extractFileTags(`${RUN}x`)).toEqual({ text: `${RUN}x`, paths: [] });
    const tagged = extractFileTags(`see${RUN}<<FILE:a.txt>>\nline${RUN}\t\nend`);
    expect(tagged).toEqual({ text: "see\nline\nend", paths: ["a.txt"] });
    expect(extractFileTags("see  <<FILE:a>> here <<FILE:b>>")).toEqual({
      text: "see here",
      paths: ["a", "b"],
    });
  });
});
