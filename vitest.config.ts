import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// Two projects share the settings below (`extends: true`): `unit`, the modules' own tests under
// src (fast: `npm run test:unit`), and `e2e`, the whole product under test/ (processes, browser,
// the packed tarball: `npm run test:e2e`). `npm test` runs both.
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
    testTimeout: 20_000,
    hookTimeout: 20_000,
    pool: "forks",
    // The gateway speaks the system's language by default: tests pin English (shared/i18n.ts).
    env: { WXAGENT_LOG_LEVEL: "silent", LANG: "C.UTF-8", LC_ALL: "", LC_MESSAGES: "" },
    projects: [
      { extends: true, test: { name: "unit", include: ["src/**/*.test.ts", "src/**/*.test.tsx"] } },
      { extends: true, test: { name: "e2e", include: ["test/**/*.test.ts"] } },
    ],
    coverage: {
      provider: "v8",
      include: ["src/**/*.ts", "src/**/*.tsx"],
      exclude: ["src/**/*.test.ts", "src/**/*.test.tsx", "src/**/*.test-util.ts", "src/**/testing/**"],
      reporter: ["text-summary", "html"],
    },
  },
});
