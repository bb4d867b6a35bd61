import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  // examples/ import the SDK by its public name.
  resolve: {
    alias: [
      {
        find: /^wxagent\/ilink\/crypto$/,
        replacement: fileURLToPath(new URL("src/ilink/crypto-exports.ts", import.meta.url)),
      },
      {
        find: /^wxagent\/ilink$/,
        replacement: fileURLToPath(new URL("src/ilink/index.ts", import.meta.url)),
      },
    ],
  },
  test: {
    include: ["src/**/*.test.ts", "src/**/*.test.tsx", "test/**/*.test.ts"],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    pool: "forks",
    // The gateway speaks the system's language by default: tests pin English (shared/i18n.ts).
    env: { WXAGENT_LOG_LEVEL: "silent", LANG: "C.UTF-8", LC_ALL: "", LC_MESSAGES: "" },
  },
});
