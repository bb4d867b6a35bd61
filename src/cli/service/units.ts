/**
 * The files `wxagent service install` writes: a systemd user unit (Linux) and a launchd agent
 * (macOS), both running `wxagent start` with a fixed WXAGENT_HOME, restarted when it fails. Pure
 * text from a spec, so tests can check them with the service managers' own tools.
 */
import { CliError } from "../errors.js";

export const SYSTEMD_UNIT = "wxagent.service";
export const LAUNCHD_LABEL = "wxagent.gateway";

export interface ServiceSpec {
  /** Absolute path of the node binary (the one running now). */
  node: string;
  /** Absolute path of bin/wxagent.js. */
  script: string;
  /** The WXAGENT_HOME the service uses. */
  home: string;
  /** Arguments after `start` (e.g. `--agent builtin`). */
  startArgs: string[];
  /** Environment for the service besides WXAGENT_HOME (PATH, and variables named with --env). */
  env: Record<string, string>;
}

/** The exit code of a usage error: restarting would only repeat it. */
const USAGE_EXIT = 2;

/**
 * Refuse control characters anywhere in the spec: a newline in a path or a variable would start a
 * new directive in the unit (or break the plist) and run something else.
 */
export function checkSpec(spec: ServiceSpec): void {
  const values: [string, string][] = [
    ["node path", spec.node],
    ["wxagent path", spec.script],
    ["WXAGENT_HOME", spec.home],
    ...spec.startArgs.map((a): [string, string] => ["start argument", a]),
    ...Object.entries(spec.env).flatMap(([k, v]): [string, string][] => [
      ["variable name", k],
      [k, v],
    ]),
  ];
  for (const [what, value] of values) {
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
    if (/[\u0000-\u001f\u007f]/.test(value)) {
      throw new CliError(`${what} contains a control character (a newline?): ${JSON.stringify(value)}`);
    }
  }
  for (const k of Object.keys(spec.env)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) throw new CliError(`not a variable name: ${JSON.stringify(k)}`);
  }
}

/** One systemd word, quoted: C escapes for `\` and `"`, `%%` for specifiers, `$$` for expansion. */
function systemdWord(value: string, dollar = true): string {
  const escaped = value.replace(/[\\"]/g, (c) => `\\${c}`).replace(/%/g, "%%");
  return `"${dollar ? escaped.replace(/\$/g, "$$$$") : escaped}"`;
}

export function renderSystemdUnit(spec: ServiceSpec): string {
  checkSpec(spec);
  const exec = [spec.node, spec.script, "start", ...spec.startArgs].map((a) => systemdWord(a)).join(" ");
  const env = { WXAGENT_HOME: spec.home, ...spec.env };
  return [
    "# Written by `wxagent service install`; `wxagent service uninstall` removes it.",
    "# Logs: journalctl --user -u wxagent -f",
    "[Unit]",
    "Description=wxagent gateway (AI agents in personal WeChat)",
    // Ten failed starts in five minutes (a broken config, say) stop the retries: see `service status`.
    "StartLimitIntervalSec=300",
    "StartLimitBurst=10",
    "",
    "[Service]",
    "Type=exec",
    `ExecStart=${exec}`,
    ...Object.entries(env).map(([k, v]) => `Environment=${systemdWord(`${k}=${v}`, false)}`),
    // API keys (OPENAI_API_KEY=…, one a line) go here rather than into this file; optional.
    `EnvironmentFile=-${spec.home.replace(/%/g, "%%")}/service.env`,
    "Restart=on-failure",
    "RestartSec=5s",
    `RestartPreventExitStatus=${USAGE_EXIT}`,
    // SIGTERM starts the same graceful stop as Ctrl-C: finish turns, then notify iLink.
    "TimeoutStopSec=30s",
    "StandardOutput=journal",
    "StandardError=journal",
    "SyslogIdentifier=wxagent",
    "",
    "[Install]",
    "WantedBy=default.target",
    "",
  ].join("\n");
}

const xml = (s: string): string =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** launchd keeps no journal: stdout and stderr go to `<home>/logs/service.log`. */
export function renderLaunchdPlist(spec: ServiceSpec, logFile: string): string {
  checkSpec(spec);
  const str = (s: string) => `<string>${xml(s)}</string>`;
  const env = { WXAGENT_HOME: spec.home, ...spec.env };
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">',
    "<!-- Written by `wxagent service install`; `wxagent service uninstall` removes it. -->",
    '<plist version="1.0">',
    "<dict>",
    `  <key>Label</key>${str(LAUNCHD_LABEL)}`,
    "  <key>ProgramArguments</key>",
    "  <array>",
    ...[spec.node, spec.script, "start", ...spec.startArgs].map((a) => `    ${str(a)}`),
    "  </array>",
    "  <key>EnvironmentVariables</key>",
    "  <dict>",
    ...Object.entries(env).map(([k, v]) => `    <key>${xml(k)}</key>${str(v)}`),
    "  </dict>",
    `  <key>WorkingDirectory</key>${str(spec.home)}`,
    "  <key>RunAtLoad</key><true/>",
    // Restart after a crash or a failed exit, not after a clean stop.
    "  <key>KeepAlive</key>",
    "  <dict><key>SuccessfulExit</key><false/></dict>",
    "  <key>ThrottleInterval</key><integer>5</integer>",
    "  <key>ExitTimeOut</key><integer>30</integer>",
    "  <key>ProcessType</key><string>Background</string>",
    `  <key>StandardOutPath</key>${str(logFile)}`,
    `  <key>StandardErrorPath</key>${str(logFile)}`,
    "</dict>",
    "</plist>",
    "",
  ].join("\n");
}
