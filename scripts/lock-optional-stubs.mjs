// The npm registry this project is built against serves Biome's Linux binaries only, so
// `npm install` leaves Biome's other platform packages out of package-lock.json and `npm ci` then
// refuses the lock as out of sync. This re-adds them as optional, platform-bound entries that npm
// never fetches here. Run it after any `npm install` that rewrites the lock.
import { readFileSync, writeFileSync } from "node:fs";

const path = new URL("../package-lock.json", import.meta.url);
const lock = JSON.parse(readFileSync(path, "utf8"));
const pk = lock.packages;
const ref = pk["node_modules/@biomejs/cli-linux-x64"];
const platforms = {
  "android-arm64": ["android", "arm64"],
  "android-x64": ["android", "x64"],
  "darwin-arm64": ["darwin", "arm64"],
  "darwin-x64": ["darwin", "x64"],
  "linux-arm64-musl": ["linux", "arm64", "musl"],
  "linux-x64-musl": ["linux", "x64", "musl"],
  "win32-arm64": ["win32", "arm64"],
  "win32-x64": ["win32", "x64"],
};
let added = 0;
for (const [name, [os, cpu, libc]] of Object.entries(platforms)) {
  const key = `node_modules/@biomejs/cli-${name}`;
  if (pk[key] || !ref) continue;
  pk[key] = {
    version: ref.version,
    cpu: [cpu],
    dev: true,
    license: ref.license ?? "MIT OR Apache-2.0",
    optional: true,
    os: [os],
    ...(ref.engines ? { engines: ref.engines } : {}),
    ...(libc ? { libc: [libc] } : {}),
  };
  added++;
}
lock.packages = Object.fromEntries(
  Object.entries(pk).sort(([a], [b]) => (a === "" ? -1 : b === "" ? 1 : a < b ? -1 : 1)),
);
writeFileSync(path, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`package-lock.json: ${added} Biome platform entries added`);
