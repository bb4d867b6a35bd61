/**
 * Built-in regexes over contact, model and web text that retried at every position of a long run
 * (`/\s+$/`, `/[ \t]*<<FILE:/`, `/[ \t]+$/`, `/[.\s]+$/`, `<[^>]+>`): 300 000 blanks or dots
 * before one letter froze the event loop for minutes. They are linear now, so these answers come
 * back at once (the test timeout is the bound: on the old code each case runs for minutes).
 */
import type { PermissionOption } from "@agentclientprotocol/sdk";
import { describe, expect, it } from "vitest";
import { parseAnswer } from "../agent/acp/permission.js";
import { htmlToText } from "../agent/builtin/tools/fetch.js";
import { isApproval } from "../agent/presets.js";
import { safeFileName } from "./media/names.js";
import { extractFileTags } from "./media/outbound.js";
import { detectAddress } from "./policy/mention.js";

const RUN = " ".repeat(300_000);
// Enough that the old regexes overrun the test timeout (about 30 s each), not so much that they hang for hours.
const DOTS = ".".repeat(60_000);

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

  it("a file name of a long run of dots and blanks before a last letter", () => {
    const name = safeFileName(`x${DOTS}${RUN}y.txt`);
    expect(name.name).toBe(`x${".".repeat(115)}.txt`); // cut to 120, the extension kept
    expect(safeFileName(`report${DOTS}${RUN}`).name).toBe("report");
    expect(safeFileName("notes. . .").name).toBe("notes");
  });

  it("an answer to an approval question of a long run of dots or blanks", () => {
    expect(isApproval(`y${DOTS}n`)).toBe(false);
    expect(isApproval(`y${DOTS}`)).toBe(true);
    expect(isApproval("好的！")).toBe(true);
    const options: PermissionOption[] = [
      { optionId: "a1", name: "Allow", kind: "allow_once" },
      { optionId: "r1", name: "Reject", kind: "reject_once" },
    ];
    expect(parseAnswer(`y${DOTS}${RUN}n`, options)).toBeUndefined();
    expect(parseAnswer(`no${DOTS}${RUN}`, options)?.optionId).toBe("r1");
    expect(parseAnswer("1 !", options)?.optionId).toBe("a1");
  });
});

describe("no quadratic regex over a fetched page", () => {
  // Each about a minute with the old regexes (a 2 MB page, tools.fetchMaxBytes, was hours).
  const LTS = 120_000;
  const TAGS = 400_000;

  it("a page of nothing but '<', or of unclosed script tags, is read in one pass", () => {
    expect(htmlToText("<".repeat(LTS))).toBe("<".repeat(LTS));
    expect(htmlToText(`${"<script>".repeat(TAGS / 8)}text`)).toBe("text");
    expect(htmlToText(`<p>a</p>${"<style x".repeat(TAGS / 8)}`)).toBe(`a\n${"<style x".repeat(TAGS / 8)}`);
  });

  it("ordinary markup still reads as before", () => {
    const page =
      '<html><head><style>b{}</style><script type="x">var a = "<b>";</script></head><body><h1>Hi</h1>' +
      "<p>one &amp; two<br/>three</p><SCRIPT>y</SCRIPT><ul><li>a</li><li>b</li></ul>1 &lt; 2 a<>b</body>";
    expect(htmlToText(page)).toBe("Hi\n one & two\nthree\n a\n b\n 1 < 2 a<>b");
    expect(htmlToText("<p>kept <script>never closed <p>c</p>")).toBe("kept never closed c");
  });
});
