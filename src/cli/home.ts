/** What commands open first: the home directory, the config and the store. */
import type { Config, GatewaySettings } from "../config/index.js";
import { readGatewaySettings } from "../config/read.js";
import { storeSetting } from "../config/store.js";
import { type AsyncStore, asyncStore } from "../store/async.js";
import {
  ensureHome,
  existingHome,
  type HomePaths,
  homePaths,
  openStore,
  resolveHome,
} from "../store/index.js";
import type { PgStore } from "../store/postgres.js";
import type { LeaseTable } from "../store/postgres-leases.js";
import { redactStoreUrl } from "../store/url.js";
import { CliError } from "./errors.js";

export interface OpenedHome {
  paths: HomePaths;
  config: Config;
  /** The store the `store` setting names: the home's SQLite file, or PostgreSQL. */
  store: AsyncStore;
  /** On PostgreSQL: the store with its lease table (for a gateway node) and its URL, redacted. */
  postgres?: { store: PgStore; where: string };
}

/**
 * For commands that set things up (`start`, `login`, `accounts add`): the home is created when
 * missing and the whole config is checked. `groupCommit`: for the long-running gateway only (see
 * `OpenStoreOptions.groupCommit`). A PostgreSQL store is created and migrated when new.
 */
export async function openHome(options: { groupCommit?: boolean } = {}): Promise<OpenedHome> {
  const paths = ensureHome(resolveHome());
  // Loaded here: the config schema (zod) is the slowest import of the light commands.
  const { loadConfig } = await import("../config/load.js");
  const config = loadConfig(paths.configPath);
  const setting = storeSetting(paths.configPath);
  if (setting.kind === "postgres") {
    const store = await openPostgres(setting.url);
    return { paths, config, store, postgres: { store, where: redactStoreUrl(setting.url) } };
  }
  const store = openStore(paths.dbPath, { groupCommit: options.groupCommit ?? false });
  return { paths, config, store: asyncStore(store) };
}

/** PostgreSQL, its driver loaded only for PostgreSQL settings. */
async function openPostgres(
  url: string,
  options: { readOnly?: boolean; existing?: boolean } = {},
): Promise<PgStore> {
  const { openPostgresStore } = await import("../store/postgres.js");
  if (options.readOnly) return openPostgresStore(url, { readOnly: true, maxConnections: 4 });
  return openPostgresStore(url, { maxConnections: options.existing ? 4 : 10 });
}

/** Run `fn` with the opened home and always close the store afterwards. */
export async function withHome<T>(fn: (h: OpenedHome) => Promise<T> | T): Promise<T> {
  const h = await openHome();
  try {
    return await fn(h);
  } finally {
    await h.store.close();
  }
}

/**
 * The home the environment names, creating nothing: its paths; undefined for the default home
 * (`~/.wxagent`) when it is not made yet. A `WXAGENT_HOME` that does not exist is an error (most
 * likely a typo: reading it must not quietly start an empty home there), as is one that is a file.
 */
export function lookupHome(env: NodeJS.ProcessEnv = process.env): HomePaths | undefined {
  const home = resolveHome(env);
  const paths = existingHome(home);
  if (paths) return paths;
  if (env.WXAGENT_HOME?.trim()) {
    throw new CliError(
      `WXAGENT_HOME is ${home}, which does not exist: check the path (\`wxagent login\` or \`wxagent start\` create it)`,
    );
  }
  return undefined;
}

export interface ReadHome {
  paths: HomePaths;
  /** Config `gateway`, read without loading the whole schema (see `readGatewaySettings`). */
  gateway: GatewaySettings;
  store: AsyncStore;
}

/**
 * For commands that read or change what exists (`history`, `pairing`, `send`): never creates the
 * home (see `lookupHome`); the default home not made yet reads as empty. On PostgreSQL the
 * database must have been set up by a gateway (nothing is migrated here). The store is always
 * closed afterwards.
 */
export async function withExistingHome<T>(fn: (h: ReadHome) => Promise<T> | T): Promise<T> {
  const found = lookupHome();
  const paths = found ?? homePaths(resolveHome());
  const gateway = await readGatewaySettings(paths.configPath);
  const setting = storeSetting(paths.configPath);
  const store =
    setting.kind === "postgres"
      ? await openPostgres(setting.url, { existing: true })
      : asyncStore(openStore(found ? paths.dbPath : ":memory:"));
  try {
    return await fn({ paths, gateway, store });
  } finally {
    await store.close();
  }
}

export interface ReadStore {
  paths: HomePaths;
  /** Config `gateway`, read without loading the whole schema (see `readGatewaySettings`). */
  gateway: GatewaySettings;
  store: AsyncStore;
  /** On PostgreSQL: its URL (password redacted) and lease table (which node polls which account). */
  postgres?: { where: string; leases: LeaseTable };
}

/**
 * For the read-only views that work on either store (`status`, `accounts` list, `contacts`): the
 * store the `store` setting names, PostgreSQL opened read-only (nothing created or migrated, the
 * way `doctor` opens it) or the home's SQLite file behind the async interface. Never creates the
 * home (see `withExistingHome`); the store is always closed afterwards.
 */
export async function withReadStore<T>(fn: (h: ReadStore) => Promise<T>): Promise<T> {
  const found = lookupHome();
  const paths = found ?? homePaths(resolveHome());
  const gateway = await readGatewaySettings(paths.configPath);
  const setting = storeSetting(paths.configPath);
  if (setting.kind === "sqlite") {
    const store = openStore(found ? paths.dbPath : ":memory:");
    try {
      return await fn({ paths, gateway, store: asyncStore(store) });
    } finally {
      await store.close();
    }
  }
  const store = await openPostgres(setting.url, { readOnly: true });
  try {
    return await fn({
      paths,
      gateway,
      store,
      postgres: { where: redactStoreUrl(setting.url), leases: store.leases },
    });
  } finally {
    await store.close();
  }
}
