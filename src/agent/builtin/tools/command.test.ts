import { tmpdir } from "node:os";
import { describe, expect, it } from "vitest";
import { runShell, safeEnv } from "./command.js";

describe("safeEnv", () => {
  it("drops keys, tokens, secrets, passwords, credentials, auth sockets and named or matching values", () => {
    const env = safeEnv(
      {
        PATH: "/usr/bin",
        HOME: "/home/u",
        LANG: "C",
        GIT_AUTHOR_NAME: "me",
        OPENAI_API_KEY: "a",
        AWS_SECRET_ACCESS_KEY: "b",
        GITHUB_TOKEN: "c",
        DB_PASSWORD: "d",
        GOOGLE_APPLICATION_CREDENTIALS: "e",
        SSH_AUTH_SOCK: "f",
        WXAGENT_HOME: "g",
        MY_LLM: "custom-name",
        INNOCENT: "sk-the-real-key-123",
      },
      ["MY_LLM"],
      ["sk-the-real-key-123"],
    );
    expect(env).toEqual({ PATH: "/usr/bin", HOME: "/home/u", LANG: "C", GIT_AUTHOR_NAME: "me" });
  });
});

describe("runShell", () => {
  const base = { cwd: tmpdir(), env: { PATH: process.env.PATH }, timeoutMs: 10_000, maxChars: 1000 };

  it("runs in the given directory and reports the exit code with stdout and stderr", async () => {
    const r = await runShell("pwd; echo oops >&2; exit 3", base);
    expect(r.exitCode).toBe(3);
    expect(r.output).toContain(tmpdir());
    expect(r.output).toContain("oops");
  });

  it("kills the whole process group at the timeout", async () => {
    const started = Date.now();
    const r = await runShell("sleep 30 & sleep 30; echo never", { ...base, timeoutMs: 300 });
    expect(r.timedOut).toBe(true);
    expect(r.output).not.toContain("never");
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it("caps the output, keeping the head and the tail", async () => {
    const r = await runShell("seq 1 5000", { ...base, maxChars: 200 });
    expect(r.output.length).toBeLessThan(260);
    expect(r.output.startsWith("1\n2\n")).toBe(true);
    expect(r.output.trimEnd().endsWith("5000")).toBe(true);
    expect(r.output).toMatch(/characters omitted/);
  });

  it("does not start when already aborted, and stops when aborted", async () => {
    const done = new AbortController();
    done.abort();
    expect((await runShell("echo hi", { ...base, signal: done.signal })).aborted).toBe(true);
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 200);
    const r = await runShell("sleep 30", { ...base, signal: stop.signal });
    expect(r.aborted).toBe(true);
  });
});
