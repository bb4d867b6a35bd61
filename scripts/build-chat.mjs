// Bundles the chat page's browser code (src/simulator/chat/browser/app.ts and what it imports)
// into one script, dist/simulator/chat/app.js, which the simulator serves at /chat/app.js.
// `npm run build` runs it after tsc. The simulator imports `chatBundleOptions` to bundle the same
// script in memory when it runs from src (tsx, vitest), where no dist copy sits beside it.
import { fileURLToPath, pathToFileURL } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));

/** esbuild options shared by the build and the simulator's in-memory bundle. */
export const chatBundleOptions = {
  absWorkingDir: root,
  entryPoints: ["src/simulator/chat/browser/app.ts"],
  bundle: true,
  format: "iife",
  platform: "browser",
  target: "es2020",
  charset: "utf8",
  legalComments: "none",
  logLevel: "warning",
};

export const chatBundlePath = "dist/simulator/chat/app.js";

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { build } = await import("esbuild");
  await build({ ...chatBundleOptions, outfile: chatBundlePath });
}
