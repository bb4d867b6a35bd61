/** What most commands open first: the home directory, the config and the store. */
import { type Config, loadConfig } from "../config/index.js";
import { ensureHome, type HomePaths, openStore, resolveHome } from "../store/index.js";
import type { Store } from "../store/types.js";

export interface OpenedHome {
  paths: HomePaths;
  config: Config;
  store: Store;
}

/** `groupCommit`: for the long-running gateway only (see `OpenStoreOptions.groupCommit`). */
export function openHome(options: { groupCommit?: boolean } = {}): OpenedHome {
  const paths = ensureHome(resolveHome());
  const config = loadConfig(paths.configPath);
  const store = openStore(paths.dbPath, { groupCommit: options.groupCommit ?? false });
  return { paths, config, store };
}

/** Run `fn` with the opened home and always close the store afterwards. */
export async function withHome<T>(fn: (h: OpenedHome) => Promise<T> | T): Promise<T> {
  const h = openHome();
  try {
    return await fn(h);
  } finally {
    await h.store.close();
  }
}
