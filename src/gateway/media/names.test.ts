import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { numbered, safeFileName, saveUnique } from "./names.js";

describe("safeFileName", () => {
  it("keeps ordinary names, Chinese included", () => {
    expect(safeFileName("report.pdf")).toEqual({ name: "report.pdf", changed: false });
    expect(safeFileName("季度报告.xlsx")).toEqual({ name: "季度报告.xlsx", changed: false });
  });

  it("removes separators, control and bidi characters, and leading dots", () => {
    expect(safeFileName("../../etc/passwd").name).toBe("_.._etc_passwd");
    expect(safeFileName("a\\b:c").name).toBe("a_b_c");
    expect(safeFileName("in\u0000vo\nice.pdf")).toEqual({ name: "invoice.pdf", changed: true });
    expect(safeFileName("evil\u202egnp.exe").name).toBe("evilgnp.exe");
    expect(safeFileName(".bashrc")).toEqual({ name: "bashrc", changed: true });
    expect(safeFileName("CON.txt").name).toBe("_CON.txt");
  });

  it("falls back when nothing usable is left, and caps the length keeping the extension", () => {
    expect(safeFileName("...").name).toBe("file.bin");
    expect(safeFileName(undefined)).toEqual({ name: "file.bin", changed: false });
    const long = safeFileName(`${"x".repeat(300)}.docx`, "f", 50).name;
    expect([...long]).toHaveLength(50);
    expect(long.endsWith(".docx")).toBe(true);
  });

  it("numbers a name before its extension", () => {
    expect(numbered("a.pdf", 2)).toBe("a (2).pdf");
    expect(numbered("README", 3)).toBe("README (3)");
  });
});

describe("saveUnique", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "names-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("never overwrites: concurrent saves of one name get distinct files", async () => {
    const src = join(dir, "src.txt");
    await writeFile(src, "x");
    const names = await Promise.all([1, 2, 3].map(() => saveUnique(src, dir, "inbox", "a.txt")));
    expect(new Set(names).size).toBe(3);
    expect((await readdir(join(dir, "inbox"))).sort()).toEqual(["a (2).txt", "a (3).txt", "a.txt"]);
  });
});
