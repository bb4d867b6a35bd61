import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { isStoreError, type StoreError } from "./errors.js";
import { acquireTokenLock, liveTokenLock, lockPath, readTokenLock } from "./lock.js";

const LOCK_TS = resolve(import.meta.dirname, "lock.ts");

let home: string | undefined;
let child: ChildProcess | undefined;
afterEach(() => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  child = undefined;
  if (home) rmSync(home, { recursive: true, force: true });
  home = undefined;
});
const newHome = () => {
  home = mkdtempSync(join(tmpdir(), "wxagent-lock-"));
  return home;
};

function catchErr(fn: () => unknown): StoreError {
  try {
    fn();
  } catch (err) {
    if (isStoreError(err)) return err;
    throw err;
  }
  throw new Error("expected a StoreError");
}

/** A pid that is certainly not running: a child that has already exited. */
function deadPid(): number {
  const c = spawnSync(process.execPath, ["-e", "0"]);
  return c.pid ?? 0;
}

describe("acquireTokenLock", () => {
  it("writes {pid, hostname, startedAtMs, command} in a 0600 file and releases it", () => {
    const h = newHome();
    const lock = acquireTokenLock(h, "acc", { command: "wxagent start", now: () => 42 });
    expect(JSON.parse(readFileSync(lock.path, "utf8"))).toEqual({
      pid: process.pid,
      hostname: hostname(),
      startedAtMs: 42,
      command: "wxagent start",
    });
    expect(statSync(lock.path).mode & 0o777).toBe(0o600);
    lock.release();
    expect(existsSync(lock.path)).toBe(false);
    acquireTokenLock(h, "acc").release(); // free again
  });

  it("hashes the token into the file name, so the token never appears in a path", () => {
    const h = newHome();
    const lock = acquireTokenLock(h, "acc", { token: "secret-bot-token" });
    expect(lock.path).toBe(lockPath(h, "secret-bot-token"));
    expect(lock.path).not.toContain("secret");
    // Another account id with the same token is the same poller.
    const err = catchErr(() => acquireTokenLock(h, "alias", { token: "secret-bot-token" }));
    expect(err.code).toBe("ACCOUNT_LOCKED");
    lock.release();
  });

  it("refuses a second holder in the same process, naming pid and command", () => {
    const h = newHome();
    const lock = acquireTokenLock(h, "acc", { command: "wxagent start" });
    const err = catchErr(() => acquireTokenLock(h, "acc"));
    expect(err.code).toBe("ACCOUNT_LOCKED");
    expect(err.message).toBe(
      `account acc is already polled by pid ${process.pid} (wxagent start); stop it first`,
    );
    lock.release();
  });

  it("refuses while another live process holds it, and takes over once that process is killed", async () => {
    const h = newHome();
    const script = `
      import { acquireTokenLock } from ${JSON.stringify(LOCK_TS)};
      acquireTokenLock(${JSON.stringify(h)}, "acc", { command: "wxagent start --account acc" });
      process.stdout.write("locked\\n");
      setInterval(() => {}, 1000);
    `;
    const proc = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      env: { ...process.env, WXAGENT_LOG_LEVEL: "silent" },
      stdio: ["ignore", "pipe", "inherit"],
    });
    child = proc;
    await new Promise<void>((ok, fail) => {
      proc.stdout?.on("data", (b: Buffer) => b.toString().includes("locked") && ok());
      proc.on("exit", (code) => fail(new Error(`lock holder exited early (${code})`)));
    });

    const err = catchErr(() => acquireTokenLock(h, "acc"));
    expect(err.code).toBe("ACCOUNT_LOCKED");
    expect(err.isRetryable).toBe(true);
    expect(err.message).toContain(`pid ${proc.pid} (wxagent start --account acc)`);

    // SIGKILL: no cleanup ran, the lock file stays behind with a dead pid.
    const exited = new Promise((ok) => proc.on("exit", ok));
    proc.kill("SIGKILL");
    await exited;
    expect(readTokenLock(h, "acc")?.pid).toBe(proc.pid);
    const lock = acquireTokenLock(h, "acc");
    expect(readTokenLock(h, "acc")?.pid).toBe(process.pid);
    lock.release();
  });

  it("takes over a stale lock whose pid is not alive", () => {
    const h = newHome();
    const pid = deadPid();
    mkdirSync(join(h, "locks"), { recursive: true });
    const stale = { pid, hostname: hostname(), startedAtMs: 1, command: "wxagent start" };
    writeFileSync(lockPath(h, "acc"), JSON.stringify(stale));
    // A dead holder polls nothing: status and doctor must not report it as polling.
    expect(readTokenLock(h, "acc")?.pid).toBe(pid);
    expect(liveTokenLock(h, "acc")).toBeUndefined();
    const lock = acquireTokenLock(h, "acc");
    expect(readTokenLock(h, "acc")).toMatchObject({ pid: process.pid });
    expect(liveTokenLock(h, "acc")).toMatchObject({ pid: process.pid });
    lock.release();
  });

  it("takes over an unreadable (half-written) lock file", () => {
    const h = newHome();
    mkdirSync(join(h, "locks"), { recursive: true });
    writeFileSync(lockPath(h, "acc"), '{"pid":');
    acquireTokenLock(h, "acc").release();
  });

  it("respects a lock held on another host (its pid cannot be probed)", () => {
    const h = newHome();
    mkdirSync(join(h, "locks"), { recursive: true });
    const remote = {
      pid: deadPid(),
      hostname: `${hostname()}-other`,
      startedAtMs: 1,
      command: "wxagent start",
    };
    writeFileSync(lockPath(h, "acc"), JSON.stringify(remote));
    const err = catchErr(() => acquireTokenLock(h, "acc"));
    expect(err.message).toContain(`on ${remote.hostname}`);
  });

  it("keeps secrets out of the recorded command", () => {
    const h = newHome();
    const lock = acquireTokenLock(h, "acc", {
      token: "tok-abcdef123",
      command: "wxagent start --token=tok-abcdef123",
    });
    expect(readFileSync(lock.path, "utf8")).not.toContain("tok-abcdef123");
    lock.release();
  });

  it("release does not remove a lock that another holder took over", () => {
    const h = newHome();
    const lock = acquireTokenLock(h, "acc");
    const other = { pid: process.pid, hostname: hostname(), startedAtMs: -1, command: "other" };
    writeFileSync(lock.path, JSON.stringify(other));
    lock.release();
    expect(readTokenLock(h, "acc")?.command).toBe("other");
  });
});
