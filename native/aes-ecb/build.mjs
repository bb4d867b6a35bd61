// Builds the optional AES-128-ECB addon (build/Release/aes_ecb.node) with node-gyp. It never
// fails the surrounding install: without the addon, wxagent uses node:crypto (slower, same bytes).
// Usage: node native/aes-ecb/build.mjs   (from anywhere; run by the root package's "prepare")
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const prefix = dirname(dirname(process.execPath));

if (process.env.WXAGENT_NO_NATIVE_AES === "1") {
  process.stdout.write("aes-ecb: WXAGENT_NO_NATIVE_AES=1, not building the addon\n");
  process.exit(0);
}

/** npm sets npm_config_node_gyp for scripts; else npm's bundled copy next to this node; else PATH. */
function nodeGyp() {
  const candidates = [
    process.env.npm_config_node_gyp,
    join(prefix, "lib", "node_modules", "npm", "node_modules", "node-gyp", "bin", "node-gyp.js"),
  ];
  const found = candidates.find((p) => p && existsSync(p));
  return found ? [process.execPath, found] : ["node-gyp"];
}

const args = ["rebuild", "--directory", here];
// Distribution builds of Node (Debian's, here) ship their headers under <prefix>/include/node;
// pointing node-gyp there avoids a header download, which fails on an offline machine.
if (!process.env.npm_config_nodedir && existsSync(join(prefix, "include", "node", "node_api.h"))) {
  args.push(`--nodedir=${prefix}`);
}
const [cmd, ...pre] = nodeGyp();
const run = spawnSync(cmd, [...pre, ...args], { stdio: ["ignore", "pipe", "pipe"], encoding: "utf8" });
const built = join(here, "build", "Release", "aes_ecb.node");
if (run.status === 0 && existsSync(built)) {
  process.stdout.write(`aes-ecb: built ${built}\n`);
} else {
  const tail = `${run.stdout ?? ""}${run.stderr ?? ""}${run.error ? String(run.error) : ""}`
    .trim()
    .split("\n")
    .slice(-15)
    .join("\n");
  process.stderr.write(`aes-ecb: addon not built, wxagent will use node:crypto for media AES.\n${tail}\n`);
}
process.exit(0);
