#!/usr/bin/env node
// The CLI runs from compiled code (built by `npm run build`, which `npm ci` runs through `prepare`).
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const entry = new URL("../dist/cli/main.js", import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  process.stderr.write(
    "wxagent: dist/ is missing. Run `npm run build` (or `npm ci`) in the checkout first.\n",
  );
  process.exit(1);
}
await import(entry.href);
