// Builds the optional AES-128-ECB addon (build/Release/aes_ecb.node) from source with node-gyp.
// It never fails the surrounding install: without the addon, wxagent uses node:crypto (slower,
// same bytes).
// Usage: node native/aes-ecb/build.mjs [--if-needed]   (from anywhere)
//   --if-needed  do nothing when a local build or a shipped prebuild (prebuilds/<platform>-<arch>/,
//                see prebuild.mjs) already loads here: what the package's install script runs, so
//                a registry install on a platform with a prebuild compiles nothing.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { localNodeDir, nodeGypScript, tail } from "./gyp.mjs";

const here = dirname(fileURLToPath(import.meta.url));

if (process.env.WXAGENT_NO_NATIVE_AES === "1") {
  process.stdout.write("aes-ecb: WXAGENT_NO_NATIVE_AES=1, not building the addon\n");
  process.exit(0);
}

if (process.argv.includes("--if-needed")) {
  const found = loadable();
  if (found) {
    process.stdout.write(`aes-ecb: using ${relative(here, found)}, nothing to build\n`);
    process.exit(0);
  }
}

const script = nodeGypScript();
const [cmd, ...pre] = script ? [process.execPath, script] : ["node-gyp"];
const args = ["rebuild", "--directory", here];
const nodedir = localNodeDir();
if (nodedir) args.push(`--nodedir=${nodedir}`);
const run = spawnSync(cmd, [...pre, ...args], { stdio: ["ignore", "pipe", "pipe"], encoding: "utf8" });
const built = join(here, "build", "Release", "aes_ecb.node");
if (run.status === 0 && existsSync(built)) {
  process.stdout.write(`aes-ecb: built ${built}\n`);
} else {
  const out = `${run.stdout ?? ""}${run.stderr ?? ""}${run.error ? String(run.error) : ""}`;
  process.stderr.write(
    `aes-ecb: addon not built, wxagent will use node:crypto for media AES.\n${tail(out)}\n`,
  );
}
process.exit(0);

/** The binary node-gyp-build would pick here, when it loads in this Node; else undefined. */
function loadable() {
  const require = createRequire(import.meta.url);
  try {
    const file = require("node-gyp-build").resolve(here);
    return typeof require(file).ecbBlocks === "function" ? file : undefined;
  } catch {
    return undefined; // nothing fits this platform, or it does not load: build from source
  }
}
