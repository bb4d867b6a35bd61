// Makes the prebuilt binaries that the npm package ships, run by the root package's `prepack`:
// prebuilds/<platform>-<arch>/wxagent-aes-ecb[.glibc|.musl].node, N-API builds (one binary for
// every Node version from 20 on), stripped. node-gyp-build picks the one that fits at run time
// (src/ilink/crypto-native.ts), so a registry install needs no compiler there.
// - This machine's platform, always; it fails when that build fails, so a package is never packed
//   without the binary it is meant to carry.
// - linux-arm64 as well on a linux-x64 machine with Debian's cross compiler
//   (`apt-get install g++-aarch64-linux-gnu`); skipped, and said so, without it.
// Prebuilds made elsewhere (macOS, say) can be copied into prebuilds/ first: only the folders
// built here are replaced.
// Usage: node native/aes-ecb/prebuild.mjs
import { spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { localNodeDir, nodeGypScript } from "./gyp.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const prebuildify = require("prebuildify");

const nodedir = localNodeDir();
if (nodedir) process.env.npm_config_nodedir = nodedir;

/** Cross targets: the arch and the GNU toolchain prefix that builds for it from this host. */
const CROSS =
  process.platform === "linux" && process.arch === "x64" ? [{ arch: "arm64", gnu: "aarch64-linux-gnu" }] : [];

function prebuild(arch, env = {}) {
  const target = `${process.platform}-${arch}`;
  rmSync(join(here, "prebuilds", target), { recursive: true, force: true });
  Object.assign(process.env, env); // prebuildify passes process.env on to node-gyp and make
  return new Promise((resolve) =>
    prebuildify(
      {
        cwd: here,
        napi: true,
        arch,
        // Built against this Node's headers (N-API is forward compatible): nothing is downloaded.
        targets: [process.versions.node],
        strip: true,
        ...(env.STRIP ? { stripBin: env.STRIP } : {}),
        // glibc and musl (Alpine) binaries differ; node-gyp-build picks the one for the running libc.
        tagLibc: process.platform === "linux",
        quiet: true,
        ...(nodeGypScript() ? { nodeGyp: nodeGypScript() } : {}),
      },
      (err) => resolve(err ? `${err.message ?? err}` : undefined),
    ),
  );
}

const hostError = await prebuild(process.arch);
if (hostError) {
  process.stderr.write(
    `aes-ecb: prebuild for ${process.platform}-${process.arch} failed: ${hostError}\n` +
      "  run `node native/aes-ecb/build.mjs` to see the compiler's output\n",
  );
  process.exit(1);
}
process.stdout.write(`aes-ecb: prebuilt prebuilds/${process.platform}-${process.arch}\n`);

for (const { arch, gnu } of CROSS) {
  const found = spawnSync(`${gnu}-g++`, ["--version"]);
  if (found.error || found.status !== 0) {
    process.stdout.write(`aes-ecb: no ${gnu}-g++ here, so no prebuild for ${process.platform}-${arch}\n`);
    continue;
  }
  const tools = {
    CC: `${gnu}-gcc`,
    CXX: `${gnu}-g++`,
    LINK: `${gnu}-g++`,
    AR: `${gnu}-ar`,
    STRIP: `${gnu}-strip`,
  };
  const before = Object.fromEntries(Object.keys(tools).map((k) => [k, process.env[k]]));
  const err = await prebuild(arch, tools);
  for (const [k, v] of Object.entries(before)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  // A cross build is a bonus: without it that platform builds from source or uses node:crypto.
  if (err) process.stderr.write(`aes-ecb: prebuild for ${process.platform}-${arch} failed: ${err}\n`);
  else process.stdout.write(`aes-ecb: prebuilt prebuilds/${process.platform}-${arch}\n`);
}
