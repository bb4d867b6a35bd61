import { fileURLToPath } from "node:url";
import { configDefaults, defineConfig } from "vitest/config";

// The projects share the settings below (`extends: true`): `unit` and `unit-isolated`, the modules'
// own tests under src (under a minute alone: `npm run test:unit`), and `e2e`, the whole product
// under test/ (processes, browser, the packed tarball: `npm run test:e2e`) plus the tests under src
// whose subject is a child process: fake ACP agents, the CLI's MCP server, bwrap, locks and
// crashes across processes, systemd-analyze. `npm test` runs all three; together they cover every
// test file.
const SPAWNING = [
  "src/agent/acp/agent.test.ts",
  "src/agent/acp/agent-auth.test.ts",
  "src/agent/acp/agent-modes.test.ts",
  "src/agent/acp/doctor.test.ts",
  "src/agent/builtin/tools/sandbox.test.ts",
  "src/cli/service/units.test.ts",
  "src/mcp/stdio.test.ts",
  "src/shared/sandbox/agent-process.test.ts",
  "src/store/checkpointer.test.ts",
  "src/store/lock.test.ts",
];

// The unit project runs its files without per-file isolation: each worker loads the modules once,
// not once per file (45–51 s instead of 2 min on 2 cores, checked with `--sequence.shuffle.files`
// under four seeds). So a unit test must leave no global state behind (env, timers, umask). These
// files replace modules (`vi.mock`, `vi.resetModules`), which needs a fresh module graph: they run
// isolated, in a project of their own.
const REPLACING_MODULES = ["src/gateway/media/voice-bomb.sim.test.ts", "src/ilink/crypto-paths.test.ts"];

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
      {
        extends: true,
        test: {
          name: "unit",
          include: ["src/**/*.test.ts", "src/**/*.test.tsx"],
          exclude: [...configDefaults.exclude, ...SPAWNING, ...REPLACING_MODULES],
          isolate: false,
        },
      },
      { extends: true, test: { name: "unit-isolated", include: REPLACING_MODULES } },
      { extends: true, test: { name: "e2e", include: ["test/**/*.test.ts", ...SPAWNING] } },
    ],
    coverage: {
      provider: "v8",
      include: ["src/**/*.ts", "src/**/*.tsx"],
      exclude: ["src/**/*.test.ts", "src/**/*.test.tsx", "src/**/*.test-util.ts", "src/**/testing/**"],
      reporter: ["text-summary", "html"],
    },
  },
});
