/**
 * Housekeeping of simulated accounts in the one home, run by `wxagent start` before it decides
 * what to serve:
 *   - a simulated account whose simulator is gone (stopped, restarted: its memory held the
 *     session) can never work again: it is forgotten with its chats, so `npm start` never polls
 *     a dead port and always comes back to a fresh simulator;
 *   - an older wxagent kept the embedded simulator's session in `<home>/sim/`: that folder is
 *     retired once (its database was started afresh on every run, its admin token guarded
 *     nothing else); files agents wrote there are moved aside, not deleted.
 */
import { existsSync, readdirSync, readFileSync, renameSync, rmdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { simulatorGone } from "../ops/simulator.js";
import { type AsyncStore, toAsyncStore } from "../store/async.js";
import { liveTokenLock } from "../store/lock.js";
import type { Store } from "../store/types.js";

export interface Forgotten {
  accountId: string;
  why: string;
}

/** Forget every simulated account nobody polls whose simulator is gone. */
export async function forgetGoneSimulatorAccounts(
  store: Store | AsyncStore,
  home: string,
  signal?: AbortSignal,
): Promise<Forgotten[]> {
  const db = toAsyncStore(store);
  const gone: Forgotten[] = [];
  for (const a of await db.accounts.list()) {
    // Another `wxagent start` serving its own embedded simulator still polls it: not ours to judge.
    if (!a.simulated || liveTokenLock(home, a.token || a.id)) continue;
    const why = await simulatorGone(a, signal ? { signal } : {});
    if (!why) continue;
    await db.accounts.purge(a.id);
    gone.push({ accountId: a.id, why });
  }
  return gone;
}

/** What became of `<home>/sim/` of an older wxagent, if there was one. */
export type OldSimHome = { kind: "removed"; dir: string } | { kind: "moved"; dir: string; to: string };

const DISPOSABLE_FILES = ["wxagent.db", "wxagent.db-wal", "wxagent.db-shm", "admin-token", "login-qr.png"];
const DISPOSABLE_DIRS = ["locks", "logs"];

export function retireOldSimHome(home: string): OldSimHome | undefined {
  const dir = join(home, "sim");
  if (!isDir(dir) || !existsSync(join(dir, "wxagent.db")) || heldByLiveProcess(join(dir, "locks")))
    return undefined;
  for (const f of DISPOSABLE_FILES) rmSync(join(dir, f), { force: true });
  for (const d of DISPOSABLE_DIRS) rmSync(join(dir, d), { recursive: true, force: true });
  removeEmptyDirs(dir);
  if (!existsSync(dir)) return { kind: "removed", dir };
  // Workspaces and media of old simulated users: nobody reaches them now, but they are the user's.
  let to = join(home, "sim-old");
  for (let n = 2; existsSync(to); n++) to = join(home, `sim-old-${n}`);
  renameSync(dir, to);
  return { kind: "moved", dir, to };
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** An older `npm start` still running on that folder holds a lock there: leave it alone. */
function heldByLiveProcess(locksDir: string): boolean {
  if (!isDir(locksDir)) return false;
  for (const f of readdirSync(locksDir)) {
    try {
      const { pid } = JSON.parse(readFileSync(join(locksDir, f), "utf8")) as { pid?: unknown };
      if (typeof pid === "number" && pid !== process.pid && alive(pid)) return true;
    } catch {
      // unreadable: not a lock anyone holds
    }
  }
  return false;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Remove `dir` and its subfolders when they hold no file at all. */
function removeEmptyDirs(dir: string): void {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.isDirectory()) removeEmptyDirs(join(dir, e.name));
  }
  if (readdirSync(dir).length === 0) rmdirSync(dir);
}
