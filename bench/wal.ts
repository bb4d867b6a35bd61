/**
 * Write volume per message (`npm run bench:wal`): the gateway as `wxagent start` builds it (SQLite
 * file with group commit, iLink transport over loopback HTTP, echo agent, spacing 0), the simulator
 * and load generator in a child process (bench/sim-child.ts), checkpoints off so the WAL only grows.
 *
 * Per message, for a burst (200 contacts × 5), a steady load (100 contacts, 2 messages/s each) and
 * isolated messages (one every 100 ms, so each goes through the gateway alone: the worst case):
 *  - WAL bytes appended (the -wal file's growth: frames of page size + 24 bytes, never reused
 *    without a checkpoint) and WAL frames;
 *  - SQL statements run (reads and writes, counted by wrapping better-sqlite3's Statement) and
 *    commits (explicit COMMITs, outermost `db.transaction` calls, autocommitted writes);
 *  - CPU µs of this process (process.cpuUsage: all threads) per message.
 * The isolated figures do not depend on machine load; the burst's and the steady load's do, through
 * how many messages share a poll, a turn and a commit (the steady figure varies most); the CPU
 * figures are noisy on a shared machine. Writes bench/results/wal.json, or the file BENCH_OUT names
 * (`npm run bench` runs it once per round that way).
 */
import { closeSync, mkdtempSync, openSync, readSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { SimChild, storedAccount } from "./sim-client.js";

process.env.WXAGENT_LOG_LEVEL ??= "warn";
const { createEchoAgent } = await import("../src/agent/echo.js");
const { createGateway, createILinkTransport } = await import("../src/gateway/index.js");
const { openStore } = await import("../src/store/sqlite.js");

// ---- counting what reaches SQLite ------------------------------------------------------------

const count = { reads: 0, writes: 0, control: 0, commits: 0 };
/** Per SQL text (shortened): calls, and wall time inside better-sqlite3 (SQLite's work), ns. */
const bySql = new Map<string, { n: number; ns: bigint }>();
/** UPDATE … RETURNING reads as a reader to better-sqlite3: it is a write all the same. */
const WRITE = /^\s*(INSERT|UPDATE|DELETE|REPLACE)\b/i;
/** Transaction control (BEGIN, SAVEPOINT, RELEASE, COMMIT, ROLLBACK): counted apart from writes. */
const CONTROL = /^\s*(BEGIN|SAVEPOINT|RELEASE|COMMIT|ROLLBACK)\b/i;
const COMMIT = /^\s*COMMIT\b/i;
/** A trace of the statements of each commit (BENCH_WAL_TRACE=n: print n commits of the isolated run). */
let trace: string[][] | undefined;
let current: string[] = [];
const endCommit = () => {
  if (trace && current.length) trace.push(current);
  current = [];
};
{
  const probe = new Database(":memory:");
  const statement = Object.getPrototypeOf(probe.prepare("SELECT 1")) as Record<string, unknown>;
  probe.close();
  for (const method of ["run", "get", "all", "iterate"] as const) {
    const original = statement[method] as (this: Database.Statement, ...args: unknown[]) => unknown;
    statement[method] = function (this: Database.Statement, ...args: unknown[]) {
      const key = this.source.replace(/\s+/g, " ").slice(0, 70);
      const entry = bySql.get(key) ?? { n: 0, ns: 0n };
      bySql.set(key, entry);
      entry.n++;
      const started = process.hrtime.bigint();
      try {
        return counted(this, key, () => original.apply(this, args));
      } finally {
        entry.ns += process.hrtime.bigint() - started;
      }
    };
  }
  /** Counts one call of `stmt` as a read, a write or transaction control, and a commit when it is one. */
  function counted(stmt: Database.Statement, key: string, call: () => unknown): unknown {
    if (stmt.reader && !WRITE.test(stmt.source)) {
      count.reads++;
      return call();
    }
    if (CONTROL.test(stmt.source)) {
      count.control++;
      const out = call();
      if (COMMIT.test(stmt.source)) {
        count.commits++;
        endCommit();
      }
      return out;
    }
    count.writes++;
    if (trace) current.push(key);
    const autocommit = !stmt.database.inTransaction;
    const out = call();
    if (autocommit) {
      count.commits++;
      endCommit();
    }
    return out;
  }
  const proto = Database.prototype as unknown as Record<string, unknown>;
  const exec = proto.exec as (this: Database.Database, sql: string) => unknown;
  proto.exec = function (this: Database.Database, sql: string) {
    const out = exec.call(this, sql);
    if (CONTROL.test(sql)) count.control++;
    if (COMMIT.test(sql)) {
      count.commits++;
      endCommit();
    }
    return out;
  };
}

// ---- the gateway -------------------------------------------------------------------------------

const child = new SimChild();
await child.ready;
const home = mkdtempSync(join(tmpdir(), "wxagent-bench-wal-"));
const file = join(home, "wxagent.db");
// BENCH_LAZY_COMMIT_MS: the store's lazyCommitMs (0 commits every group at the end of its turn).
const lazy = process.env.BENCH_LAZY_COMMIT_MS;
const store = openStore(file, {
  groupCommit: true,
  backgroundCheckpoints: false,
  ...(lazy ? { lazyCommitMs: Number(lazy) } : {}),
});
const account = await child.account();
store.accounts.upsert(storedAccount(account));
const gateway = createGateway({
  store,
  agent: createEchoAgent(),
  transportFor: (a) => createILinkTransport(a),
  maxTurns: 16,
  delivery: { spacingMs: 0, quotaPerToken: 100 },
});
await gateway.start();
const pageSize = Number(new Database(file, { readonly: true }).pragma("page_size", { simple: true }));
const walSize = (): number => {
  try {
    return statSync(`${file}-wal`).size;
  } catch {
    return 0;
  }
};

/**
 * WAL frames appended since byte `from`, by the table or index their page belongs to (dbstat;
 * a page new since the last checkpoint, unknown to the database file, counts as "(new page)").
 */
function framesByTree(from: number): Record<string, number> {
  const names = new Map<number, string>();
  const db = new Database(file, { readonly: true });
  for (const r of db.prepare("SELECT pageno, name FROM dbstat").all() as { pageno: number; name: string }[])
    names.set(r.pageno, r.name);
  db.close();
  const out: Record<string, number> = {};
  const fd = openSync(`${file}-wal`, "r");
  const header = Buffer.alloc(24);
  const frame = pageSize + 24;
  // Frames start after the 32-byte WAL header; `from` is a file size, so on a frame boundary.
  for (let at = Math.max(32, from); at + frame <= walSize(); at += frame) {
    readSync(fd, header, 0, 24, at);
    const name = names.get(header.readUInt32BE(0)) ?? "(new page)";
    out[name] = (out[name] ?? 0) + 1;
  }
  closeSync(fd);
  return out;
}

interface Phase {
  messages: number;
  answered: number;
  walBytesPerMessage: number;
  walFramesPerMessage: number;
  statementsPerMessage: number;
  writesPerMessage: number;
  controlPerMessage: number;
  commitsPerMessage: number;
  walBytesPerCommit: number;
  cpuUsPerMessage: number;
}

/** WAL frames per message of the last phase measured, by table or index. */
let lastFrames: Record<string, number> = {};

async function measure(
  tag: string,
  contacts: number,
  perContact: number,
  intervalMs: number,
): Promise<Phase> {
  await store.durable();
  const wal0 = walSize();
  const c0 = { ...count };
  bySql.clear();
  const cpu0 = process.cpuUsage();
  const answer = await child.run({ accountId: account.account_id, tag, contacts, perContact, intervalMs });
  await store.durable();
  const cpu = process.cpuUsage(cpu0);
  const n = answer.sent;
  const per = (x: number, digits = 1) => Math.round((x / n) * 10 ** digits) / 10 ** digits;
  const walBytes = walSize() - wal0;
  lastFrames = Object.fromEntries(
    Object.entries(framesByTree(wal0))
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => [k, Math.round((v / n) * 100) / 100]),
  );
  return {
    messages: n,
    answered: answer.answered,
    walBytesPerMessage: Math.round(walBytes / n),
    walFramesPerMessage: per(walBytes / (pageSize + 24), 2),
    statementsPerMessage: per(count.reads + count.writes - c0.reads - c0.writes),
    writesPerMessage: per(count.writes - c0.writes),
    controlPerMessage: per(count.control - c0.control),
    commitsPerMessage: per(count.commits - c0.commits, 2),
    walBytesPerCommit: Math.round(walBytes / Math.max(1, count.commits - c0.commits)),
    cpuUsPerMessage: Math.round((cpu.user + cpu.system) / n),
  };
}

const log = (s: string) => process.stderr.write(`${s}\n`);
log("warm-up: 200 contacts × 2 messages, not measured …");
await measure("warm", 200, 2, 0);
log("burst: 200 contacts × 5 messages …");
const burst = await measure("burst", 200, 5, 0);
const burstFrames = lastFrames;
/** Per message: calls and µs inside SQLite of each statement, the costliest first. */
const sqlLines = (messages: number): string[] =>
  [...bySql]
    .sort((a, b) => Number(b[1].ns - a[1].ns))
    .map(
      ([sql, e]) =>
        `${(e.n / messages).toFixed(2).padStart(5)} × ${(Number(e.ns) / 1000 / messages).toFixed(1).padStart(5)} µs  ${sql}`,
    );
const burstSql = sqlLines(burst.messages);
log("steady: 100 contacts, 2 messages/s each, 3 s …");
const steady = await measure("steady", 100, 6, 500);
const steadyFrames = lastFrames;
const steadySql = sqlLines(steady.messages);

const traceCommits = Number(process.env.BENCH_WAL_TRACE ?? 0);
if (traceCommits > 0) trace = [];
log("isolated: 10 contacts, one message every 100 ms (each handled alone), 3 s …");
const isolated = await measure("isolated", 10, 3, 1000);
const isolatedFrames = lastFrames;

await gateway.stop({ drainTimeoutMs: 2000 });
await store.close();
await child.close();
rmSync(home, { recursive: true, force: true });

const results = {
  pageSize,
  burst,
  steady,
  statementsPerMessage: { burst: burstSql, steady: steadySql },
  isolated,
  walFramesPerMessageByTree: { burst: burstFrames, steady: steadyFrames, isolated: isolatedFrames },
};
log(`page size ${pageSize} B; CPU is all threads of the gateway process, noisy on a shared machine`);
console.table({ burst, steady, isolated });
log(`WAL frames per message by table or index, isolated: ${JSON.stringify(isolatedFrames)}`);
log(
  "per message, burst: calls × wall µs inside SQLite (inflated by preemption on a loaded machine), statement",
);
for (const line of burstSql) log(`  ${line}`);
if (trace)
  for (const [i, group] of trace.slice(10, 10 + traceCommits).entries())
    log(`commit ${i}: ${group.join(" | ")}`);
const here = dirname(fileURLToPath(import.meta.url));
writeFileSync(
  process.env.BENCH_OUT ?? join(here, "results", "wal.json"),
  `${JSON.stringify(results, null, 2)}\n`,
);
process.exit(0);
