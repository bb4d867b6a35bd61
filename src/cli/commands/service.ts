/**
 * `wxagent service install|uninstall|status`: run `wxagent start` under the user's service
 * manager (systemd on Linux, launchd on macOS) with a fixed WXAGENT_HOME, restarted on failure.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Command } from "commander";
import { resolveHome } from "../../store/index.js";
import { CliError, usage } from "../errors.js";
import { printJson } from "../options.js";
import { launchdManager, type Manager, systemdManager } from "../service/manager.js";
import type { ServiceSpec } from "../service/units.js";

/** bin/wxagent.js of this installation (the same from src/cli/commands and dist/cli/commands). */
const SCRIPT = fileURLToPath(new URL("../../../bin/wxagent.js", import.meta.url));

function managerFor(home: string): Manager {
  if (process.platform === "linux") return systemdManager();
  if (process.platform === "darwin") return launchdManager(home);
  throw new CliError(
    `wxagent service supports Linux (systemd) and macOS (launchd), not ${process.platform}: ` +
      "run `wxagent start` under your own service manager, or use the Dockerfile",
  );
}

interface InstallOptions {
  home?: string;
  env?: string[];
  start: boolean;
  print?: boolean;
}

function specOf(opts: InstallOptions, startArgs: string[]): ServiceSpec {
  const home = opts.home ? resolve(opts.home) : resolveHome();
  const env: Record<string, string> = { PATH: process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin" };
  for (const name of opts.env ?? []) {
    const value = process.env[name];
    if (value === undefined) throw usage(`--env ${name}: the variable is not set in this shell`);
    env[name] = value;
  }
  if (startArgs.includes("--sim")) {
    throw usage("a service runs the real gateway: drop --sim (the simulator is for trying wxagent out)");
  }
  return { node: process.execPath, script: SCRIPT, home, startArgs, env };
}

export function defineService(service: Command): void {
  service
    .command("install")
    .description("write the service file, then enable and start it")
    .argument("[start-args...]", "arguments for `wxagent start`, after `--` (e.g. -- --agent builtin)")
    .option("--home <dir>", "WXAGENT_HOME of the service (default: $WXAGENT_HOME or ~/.wxagent)")
    .option(
      "--env <NAME>",
      "copy this variable's current value into the service (repeatable; e.g. OPENAI_API_KEY)",
      (v: string, prev: string[] = []) => [...prev, v],
    )
    .option("--no-start", "only write the file; do not ask the service manager to start it")
    .option("--print", "print the file instead of writing it")
    .action((startArgs: string[], opts: InstallOptions) => {
      const spec = specOf(opts, startArgs);
      const m = managerFor(spec.home);
      const text = m.render(spec);
      if (opts.print) {
        process.stdout.write(text);
        return;
      }
      mkdirSync(dirname(m.file), { recursive: true });
      mkdirSync(resolve(spec.home, "logs"), { recursive: true });
      // 0600: variables copied with --env may be API keys.
      writeFileSync(m.file, text, { mode: 0o600 });
      const lines = [
        `wrote ${m.kind} ${m.file}`,
        `  runs      ${spec.node} ${spec.script} start${startArgs.length ? ` ${startArgs.join(" ")}` : ""}`,
        `  home      ${spec.home}`,
        `  logs      ${m.logs}`,
      ];
      if (SCRIPT.includes("/_npx/")) {
        lines.push(
          "  warning   this wxagent runs from npx's cache, which npm may clear: install it with",
          "            `npm install -g wxagent` and run `wxagent service install` from there",
        );
      }
      process.stdout.write(`${lines.join("\n")}\n`);
      if (!opts.start) return;
      const started = m.start();
      if (!started.ok) {
        throw new CliError(
          `the file is written, but starting it failed: ${started.error}\n  fix: ${m.unreachableFix}`,
        );
      }
      process.stdout.write(`started ${m.name}: \`wxagent service status\` shows how it runs\n`);
      if (m.name.endsWith(".service")) {
        process.stdout.write("  to keep it running while you are logged out: loginctl enable-linger $USER\n");
      }
    });

  service
    .command("uninstall")
    .description("stop the service and remove its file")
    .action(() => {
      const m = managerFor(resolveHome());
      if (!existsSync(m.file)) {
        process.stdout.write(`no ${m.kind} at ${m.file}: nothing to remove\n`);
        return;
      }
      const stopped = m.stop();
      rmSync(m.file, { force: true });
      process.stdout.write(`removed ${m.file}\n`);
      if (!stopped.ok) {
        throw new CliError(`the file is removed, but stopping the service failed: ${stopped.error}`);
      }
      process.stdout.write(`stopped ${m.name}\n`);
    });

  service
    .command("status")
    .description("whether the service is installed and running")
    .option("--json", "print JSON")
    .action((opts: { json?: boolean }) => {
      const m = managerFor(resolveHome());
      const installed = existsSync(m.file);
      const home = installed ? homeIn(readFileSync(m.file, "utf8")) : undefined;
      const s = installed ? m.status() : undefined;
      const running = s?.ok === true && /^(active|running)\b/.test(s.value.state);
      if (opts.json) {
        const facts = {
          manager: m.kind,
          file: m.file,
          installed,
          home: home ?? null,
          running,
          state: s?.ok ? s.value.state : null,
          pid: s?.ok ? (s.value.pid ?? null) : null,
          restarts: s?.ok ? (s.value.restarts ?? null) : null,
          last_exit: s?.ok ? (s.value.lastExit ?? null) : null,
          error: s && !s.ok ? s.error : null,
          logs: m.logs,
        };
        printJson(facts);
      } else {
        process.stdout.write(statusText(m, installed, home, s));
      }
      if (!running) process.exitCode = 1;
    });
}

/** WXAGENT_HOME as the installed file sets it (unit or plist). */
function homeIn(text: string): string | undefined {
  const unit = /^Environment="WXAGENT_HOME=((?:[^"\\]|\\.)*)"$/m.exec(text)?.[1];
  if (unit !== undefined) return unit.replace(/\\(.)/g, "$1").replace(/%%/g, "%");
  const plist = /<key>WXAGENT_HOME<\/key><string>([^<]*)<\/string>/.exec(text)?.[1];
  return plist
    ?.replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, "&");
}

function statusText(
  m: Manager,
  installed: boolean,
  home: string | undefined,
  s: ReturnType<Manager["status"]> | undefined,
): string {
  if (!installed) return `not installed (no ${m.kind} at ${m.file})\n  fix: wxagent service install\n`;
  const lines = [`${m.kind} ${m.file}`, `  home      ${home ?? "(not set in the file)"}`];
  if (!s?.ok) {
    lines.push(`  state     unknown: ${s?.error ?? ""}`, `  fix: ${m.unreachableFix}`);
  } else {
    const v = s.value;
    const extra = [
      v.pid ? `pid ${v.pid}` : "",
      v.restarts !== undefined ? `${v.restarts} restarts` : "",
      v.lastExit ? `last exit ${v.lastExit}` : "",
    ].filter(Boolean);
    lines.push(`  state     ${v.state}${extra.length ? ` (${extra.join(", ")})` : ""}`);
    if (!/^(active|running)\b/.test(v.state)) lines.push(`  fix: see why in \`${m.logs}\``);
  }
  lines.push(`  logs      ${m.logs}`);
  return `${lines.join("\n")}\n`;
}
