/**
 * A real PostgreSQL server for tests, found or started: `DATABASE_URL` when set; else the
 * machine's server on 127.0.0.1:5432 when it answers; else one of our own, started from Debian's
 * `postgresql` package (initdb into a temp directory, a free loopback port, stopped at teardown).
 * With neither, tests skip with the reason, unless `WXAGENT_REQUIRE_POSTGRES=1` (CI), which makes
 * it a failure. Nothing is installed from here. `WXAGENT_PG_START_OWN=1` skips the first two
 * (the test of the fallback itself). Each test file gets a database of its own, dropped after.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { chown } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import pg from "pg";

const run = promisify(execFile);

export const POSTGRES_REQUIRED = process.env.WXAGENT_REQUIRE_POSTGRES === "1";

export interface PgServer {
  /** URL of the server's `postgres` database (for CREATE/DROP DATABASE). */
  adminUrl: string;
  source: "DATABASE_URL" | "127.0.0.1:5432" | "started";
  /** Where it runs (for messages; a started one names its temp directory). */
  describe(): string;
  stop(): Promise<void>;
}

export interface PgTestDb {
  url: string;
  server: PgServer;
  /** Empty every wxagent table: a clean database for the next test (ids go on rising). */
  reset(): Promise<void>;
  /** Drop the database (WITH (FORCE)) and stop the server if we started it. */
  drop(): Promise<void>;
}

/** Does a server answer at `url` (within 2 s)? */
export async function answers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  client.on("error", () => {});
  try {
    await client.connect();
    await client.query("SELECT 1");
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

/** Debian's server binaries, newest version first (`/usr/lib/postgresql/<v>/bin`). */
export function debianPgBin(root = "/usr/lib/postgresql"): string | undefined {
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, "bin", "initdb")) && existsSync(join(root, v, "bin", "pg_ctl")))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] === undefined ? undefined : join(root, versions[0], "bin");
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === "object" && addr ? resolve(addr.port) : reject(new Error("no port"))));
    });
  });
}

/** Run a server binary; as root, as the `postgres` user (initdb and postgres refuse root). */
async function asOwner(bin: string, args: string[], uid: number | undefined): Promise<void> {
  if (uid === undefined) {
    await run(bin, args);
    return;
  }
  if (existsSync("/usr/sbin/runuser") || existsSync("/sbin/runuser")) {
    await run("runuser", ["-u", "postgres", "--", bin, ...args]);
    return;
  }
  const quoted = [bin, ...args].map((a) => `'${a.replaceAll("'", `'\\''`)}'`).join(" ");
  await run("su", ["postgres", "-s", "/bin/sh", "-c", quoted]);
}

async function postgresIds(): Promise<{ uid: number; gid: number }> {
  const uid = Number((await run("id", ["-u", "postgres"])).stdout.trim());
  const gid = Number((await run("id", ["-g", "postgres"])).stdout.trim());
  return { uid, gid };
}

/** Start a throwaway server from Debian's binaries; a string says why not. */
export async function startOwnServer(binRoot?: string): Promise<PgServer | string> {
  const bin = debianPgBin(binRoot);
  if (!bin) {
    return "no PostgreSQL server reachable and Debian's postgresql package is not installed (apt-get install postgresql)";
  }
  const dir = mkdtempSync(join(tmpdir(), "wxagent-pg-"));
  const data = join(dir, "data");
  const asRoot = process.getuid?.() === 0;
  let owner: { uid: number; gid: number } | undefined;
  try {
    if (asRoot) {
      owner = await postgresIds();
      await chown(dir, owner.uid, owner.gid);
    }
    const uid = owner?.uid;
    await asOwner(
      join(bin, "initdb"),
      ["-D", data, "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8", "--locale=C"],
      uid,
    );
    const port = await freePort();
    const settings = `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir} -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
    await asOwner(
      join(bin, "pg_ctl"),
      ["-D", data, "-o", settings, "-l", join(dir, "log"), "-w", "-t", "60", "start"],
      uid,
    );
    const stop = async () => {
      await asOwner(join(bin, "pg_ctl"), ["-D", data, "-m", "immediate", "-w", "stop"], uid).catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    };
    return {
      adminUrl: `postgres://postgres@127.0.0.1:${port}/postgres`,
      source: "started",
      describe: () => `${bin}/postgres on 127.0.0.1:${port} -k ${dir}`,
      stop,
    };
  } catch (err) {
    const logFile = join(dir, "log");
    const tail = existsSync(logFile) ? readFileSync(logFile, "utf8").slice(-2000) : "";
    rmSync(dir, { recursive: true, force: true });
    const e = err as Error & { stderr?: string };
    return `could not start PostgreSQL from ${bin}: ${e.stderr?.trim() || e.message}${tail ? `\n${tail}` : ""}`;
  }
}

/** The server tests use (see the file comment); a string says why there is none. */
export async function findPgServer(): Promise<PgServer | string> {
  const noop = async () => {};
  if (process.env.WXAGENT_PG_START_OWN !== "1") {
    const env = process.env.DATABASE_URL;
    if (env) {
      if (await answers(env)) {
        return { adminUrl: env, source: "DATABASE_URL", describe: () => "DATABASE_URL", stop: noop };
      }
      return `DATABASE_URL is set but no server answers there`;
    }
    const local = "postgres://postgres@127.0.0.1:5432/postgres";
    if (await answers(local)) {
      return { adminUrl: local, source: "127.0.0.1:5432", describe: () => "127.0.0.1:5432", stop: noop };
    }
  }
  return startOwnServer();
}

/** Children before parents (foreign keys). DELETE: TRUNCATE costs ~200 ms a test (it rewrites files). */
const TABLES = [
  "schedule_runs",
  "schedule_jobs",
  "outbound",
  "inbound",
  "accounts",
  "contacts",
  "cursors",
  "context_tokens",
  "sessions",
  "leases",
  "nodes",
];

/**
 * A database of its own for one test file, or the reason there is none (then the file skips;
 * under WXAGENT_REQUIRE_POSTGRES=1 this throws instead).
 */
export async function pgTestDatabase(label: string): Promise<PgTestDb | string> {
  const server = await findPgServer();
  if (typeof server === "string") {
    if (POSTGRES_REQUIRED) throw new Error(`WXAGENT_REQUIRE_POSTGRES=1 but ${server}`);
    return server;
  }
  const name = `wxagent_${label.replace(/\W/g, "_")}_${process.pid}_${Date.now().toString(36)}`.toLowerCase();
  const admin = new pg.Client({ connectionString: server.adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const u = new URL(server.adminUrl);
  u.pathname = `/${name}`;
  const url = u.toString();
  return {
    url,
    server,
    async reset() {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      try {
        const has = await c.query("SELECT to_regclass('accounts') IS NOT NULL AS ok");
        if (has.rows[0]?.ok) await c.query(TABLES.map((t) => `DELETE FROM ${t};`).join(" "));
      } finally {
        await c.end();
      }
    },
    async drop() {
      const c = new pg.Client({ connectionString: server.adminUrl });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
        await server.stop();
      }
    },
  };
}

/** One store a suite runs on: SQLite (no `db`), or PostgreSQL on a database of the file's own. */
export interface StoreUnderTest {
  name: "SQLite" | "PostgreSQL";
  db?: PgTestDb;
}

/**
 * The stores a suite runs on, for `describe.each`: SQLite, and PostgreSQL when a server is found
 * or started (see pgTestDatabase; required under WXAGENT_REQUIRE_POSTGRES=1). Call `drop` in
 * `afterAll`.
 */
export async function storesUnderTest(
  label: string,
): Promise<{ stores: StoreUnderTest[]; drop(): Promise<void> }> {
  const db = await pgTestDatabase(label);
  if (typeof db === "string") return { stores: [{ name: "SQLite" }], drop: async () => {} };
  return { stores: [{ name: "SQLite" }, { name: "PostgreSQL", db }], drop: () => db.drop() };
}
