// How this folder's scripts run node-gyp offline: npm's own node-gyp, and Node's installed
// headers instead of a download (which fails on a machine without the internet).
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";

const prefix = dirname(dirname(process.execPath));

/** npm sets npm_config_node_gyp for scripts; else npm's bundled copy next to this node; else PATH. */
export function nodeGypScript() {
  const candidates = [
    process.env.npm_config_node_gyp,
    join(prefix, "lib", "node_modules", "npm", "node_modules", "node-gyp", "bin", "node-gyp.js"),
  ];
  return candidates.find((p) => p && existsSync(p));
}

/**
 * Distribution builds of Node (Debian's, here) ship their headers under <prefix>/include/node;
 * pointing node-gyp there avoids the header download. Undefined when npm already names a nodedir
 * or the headers are not there (node-gyp then downloads them, as usual).
 */
export function localNodeDir() {
  if (process.env.npm_config_nodedir) return undefined;
  return existsSync(join(prefix, "include", "node", "node_api.h")) ? prefix : undefined;
}

/** The last lines of a failed tool's output, for a message that says why. */
export function tail(text, lines = 15) {
  return text.trim().split("\n").slice(-lines).join("\n");
}
