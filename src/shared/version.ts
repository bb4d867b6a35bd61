/**
 * wxagent's version, read once from its package.json. This file sits at `src/shared/` in the
 * checkout and at `dist/shared/` in the package, both two levels below package.json, so one
 * relative path serves tsx, the tests and the installed package. (iLink's protocol version,
 * `PROTOCOL_VERSION`, is a different number: the one the server expects, in src/ilink/wire.ts.)
 */
import { createRequire } from "node:module";

const pkg = createRequire(import.meta.url)("../../package.json") as { name?: unknown; version?: unknown };
if (pkg.name !== "wxagent" || typeof pkg.version !== "string") {
  throw new Error("wxagent: ../../package.json from src/shared/version is not wxagent's package.json");
}

/** wxagent's own version (`package.json` `version`), e.g. `0.1.0`. */
export const VERSION: string = pkg.version;
