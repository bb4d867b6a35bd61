/**
 * Write volume per message (`npm run bench:wal`): the gateway as `wxagent start` builds it (SQLite
 * file with group commit, iLink transport over loopback HTTP, echo agent, spacing 0), the simulator
 * and load generator in a child process (bench/sim-child.ts), checkpoints off so the WAL only grows.
 *
 * Per message, for a burst (200 contacts × 5) and a steady load (100 contacts, 2 messages/s each):
 *  - WAL bytes appended (the -wal file's growth: frames of page size + 24 bytes, never reused
 *    without a checkpoint) and WAL frames;
 *  - SQL statements run (reads and writes, counted by wrapping better-sqlite3's Statement) and
 *    commits (explicit COMMITs, outermost `db.transaction` calls, autocommitted writes);
 *  - CPU µs of this process (process.cpuUsage: all threads) per message.
 * The byte, frame, statement and commit counts do not depend on machine load (a burst's batching
 * does, a little: more messages per event-loop turn on a faster run); the CPU figure is noisy on a
 * shared machine. Writes bench/results/wal.json.
 */
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { SimChild } from "./sim-client.js";

process.env.WXAGENT_LOG_LEVEL ??= "warn";
const { createEchoAgent } = await import("../src/agent/echo.js");
const { createGateway, createILinkTransport } = await import("../src/gateway/index.js");
const { openStore } = await import("../src/store/sqlite.js");

// ---- counting what reaches SQLite ------------------------------------------------------------

const count = { reads: 0, writes: 0, control: 0, commits: 0 };
const bySql = new Map<string, number>();
/** Transaction control (BEGIN, SAVEPOINT, RELEASE, COMMIT, ROLLBACK): counted apart from writes. */
const CONTROL = /^\s*(BEGIN|SAVEPOINT|RELEASE|COMMIT|ROLLBACK)\b/i;
const COMMIT = /^\s*COMMIT\b/i;
/** A trace of the statements of each commit (BENCH_WAL_TRACE=n: print the first n commits of the steady run). */
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
      bySql.set(key, (bySql.get(key) ?? 0) + 1);
      if (this.reader) count.reads++;
      else if (CONTROL.test(this.source)) {
        count.control++;
        if (COMMIT.test(this.source)) count.commits++;
      } else {
        count.writes++;
        if (trace) current.push(key);
        const autocommit = !this.database.inTransaction;
        const out = original.apply(this, args);
        if (autocommit) {
          count.commits++;
          endCommit();
        }
        return out;
      }
      const out = original.apply(this, args);
      if (COMMIT.test(this.source)) endCommit();
      return out;
    };
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
const store = openStore(file, { groupCommit: true, backgroundCheckpoints: false });
const account = await child.account();
store.accounts.upsert({
  id: account.account_id,
  baseUrl: account.base_url,
  cdnBaseUrl: account.cdn_base_url,
  token: account.token,
  ownerUserId: account.owner_user_id,
  state: "active",
});
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

interface Phase {
  messages: number;
  answered: number;
  walBytesPerMessage: number;
  walFramesPerMessage: number;
  statementsPerMessage: number;
  writesPerMessage: number;
  controlPerMessage: number;
  commitsPerMessage: number;
  cpuUsPerMessage: number;
}

async function measure(tag: string, contacts: number, perContact: number, intervalMs: number): Promise<Phase> {
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
  return {
    messages: n,
    answered: answer.answered,
    walBytesPerMessage: Math.round(walBytes / n),
    walFramesPerMessage: per(walBytes / (pageSize + 24), 2),
    statementsPerMessage: per(count.reads + count.writes - c0.reads - c0.writes),
    writesPerMessage: per(count.writes - c0.writes),
    controlPerMessage: per(count.control - c0.control),
    commitsPerMessage: per(count.commits - c0.commits, 2),
    cpuUsPerMessage: Math.round((cpu.user + cpu.system) / n),
  };
}

const log = (s: string) => process.stderr.write(`${s}\n`);
log("warm-up: 200 contacts × 2 messages, not measured …");
await measure("warm", 200, 2, 0);
log("burst: 200 contacts × 5 messages …");
const burst = await measure("burst", 200, 5, 0);
const burstSql = [...bySql].sort((a, b) => b[1] - a[1]).map(([sql, k]) => `${(k / burst.messages).toFixed(2)}  ${sql}`);
log("steady: 100 contacts, 2 messages/s each, 3 s …");
const traceCommits = Number(process.env.BENCH_WAL_TRACE ?? 0);
if (traceCommits > 0) trace = [];
const steady = await measure("steady", 100, 6, 500);
const steadySql = [...bySql].sort((a, b) => b[1] - a[1]).map(([sql, k]) => `${(k / steady.messages).toFixed(2)}  ${sql}`);

await gateway.stop({ drainTimeoutMs: 2000 });
await store.close();
await child.close();
rmSync(home, { recursive: true, force: true });

const results = { pageSize, burst, steady, statementsPerMessage: { burst: burstSql, steady: steadySql } };
log(`page size ${pageSize} B; CPU is all threads of the gateway process, noisy on a shared machine`);
console.table({ burst, steady });
log("statements per message, steady:");
for (const line of steadySql) log(`  ${line}`);
if (trace) for (const [i, group] of trace.slice(50, 50 + traceCommits).entries()) log(`commit ${i}: ${group.join(" | ")}`);
const here = dirname(fileURLToPath(import.meta.url));
writeFileSync(join(here, "results", "wal.json"), `${JSON.stringify(results, null, 2)}\n`);
process.exit(0);
