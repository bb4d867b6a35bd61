import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "src/**/*.test.tsx", "test/**/*.test.ts"],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    pool: "forks",
    // The gateway speaks the system's language by default: tests pin English (shared/i18n.ts).
    env: { WXAGENT_LOG_LEVEL: "silent", LANG: "C.UTF-8", LC_ALL: "", LC_MESSAGES: "" },
  },
});
