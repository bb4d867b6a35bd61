/**
 * The chat page's browser script, served at /chat/app.js. The code is TypeScript under
 * ./browser (checked with its own tsconfig: DOM, no Node), bundled by scripts/build-chat.mjs into
 * dist/simulator/chat/app.js, which is read from beside this module. Run from src (tsx, vitest)
 * there is no bundle beside it: the same esbuild options bundle it in memory, once per process.
 */
import { readFile } from "node:fs/promises";
import type { BuildOptions } from "esbuild";

export type ChatScriptErrorCode = "CHAT_SCRIPT_MISSING" | "CHAT_SCRIPT_BUILD_FAILED";

export class ChatScriptError extends Error {
  override readonly name = "ChatScriptError";
  readonly isRetryable = false;
  constructor(
    readonly code: ChatScriptErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

interface BuildModule {
  chatBundleOptions: BuildOptions;
}

const BUNDLE = new URL("./app.js", import.meta.url);
const BUILD_SCRIPT = new URL("../../../scripts/build-chat.mjs", import.meta.url);

let cached: Promise<string> | undefined;

/** The bundled script: the built file when present, else bundled now from ./browser. */
export function loadChatScript(): Promise<string> {
  cached ??= readBundle().catch((err: unknown) => {
    cached = undefined;
    throw err;
  });
  return cached;
}

async function readBundle(): Promise<string> {
  try {
    return await readFile(BUNDLE, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  return bundleFromSource();
}

async function bundleFromSource(): Promise<string> {
  let esbuild: typeof import("esbuild");
  let options: BuildOptions;
  try {
    // Development tools: the published package has the bundle and neither of these.
    ({ chatBundleOptions: options } = (await import(BUILD_SCRIPT.href)) as BuildModule);
    esbuild = await import("esbuild");
  } catch (cause) {
    throw new ChatScriptError(
      "CHAT_SCRIPT_MISSING",
      `The chat page's script is not built (${BUNDLE.pathname} is missing) and cannot be bundled ` +
        "here: run `npm run build` in the wxagent checkout.",
      { cause },
    );
  }
  try {
    const result = await esbuild.build({ ...options, write: false, outfile: "app.js" });
    const text = result.outputFiles?.[0]?.text;
    if (text === undefined) throw new Error("esbuild returned no output");
    return text;
  } catch (cause) {
    throw new ChatScriptError(
      "CHAT_SCRIPT_BUILD_FAILED",
      `Bundling the chat page's script failed: ${(cause as Error).message}. ` +
        "Check `npx tsc --noEmit -p src/simulator/chat/browser/tsconfig.json`.",
      { cause },
    );
  }
}
