/**
 * Where wxagent keeps its data: `$WXAGENT_HOME`, default `~/.wxagent`. The home holds the
 * database (with bot tokens) and the admin token, so it is mode 0700, whatever the umask.
 */
import { chmodSync, mkdirSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";

export interface HomePaths {
  home: string;
  dbPath: string;
  configPath: string;
  mediaDir: string;
  workspacesDir: string;
  logsDir: string;
  locksDir: string;
  adminTokenPath: string;
}

export function resolveHome(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.WXAGENT_HOME?.trim();
  return resolve(fromEnv ? fromEnv : join(homedir(), ".wxagent"));
}

export function homePaths(home: string): HomePaths {
  const h = resolve(home);
  return {
    home: h,
    dbPath: join(h, "wxagent.db"),
    configPath: join(h, "config.json"),
    mediaDir: join(h, "media"),
    workspacesDir: join(h, "workspaces"),
    logsDir: join(h, "logs"),
    locksDir: join(h, "locks"),
    adminTokenPath: join(h, "admin-token"),
  };
}

/** Create the home and its subdirectories (all 0700) and return their paths. Idempotent. */
export function ensureHome(dir: string): HomePaths {
  const p = homePaths(dir);
  for (const d of [p.home, p.mediaDir, p.workspacesDir, p.logsDir, p.locksDir]) {
    mkdirSync(d, { recursive: true, mode: 0o700 });
    // mkdir's mode is filtered by the umask and ignored for existing dirs: set it explicitly.
    chmodSync(d, 0o700);
  }
  return p;
}
