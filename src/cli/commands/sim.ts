import type { Command } from "commander";
import { startSimulator } from "../../simulator/index.js";
import { intOption, onOffOption } from "../options.js";
import { onShutdown } from "../signals.js";

interface SimOptions {
  host: string;
  port: number;
  realism: boolean;
  seed?: number;
  allowedHost?: string[];
}

export function registerSim(program: Command): void {
  program
    .command("sim")
    .description("run the local iLink simulator (server + CDN + chat page + control API)")
    .option("--host <host>", "address to bind", "127.0.0.1")
    .option("--port <port>", "port (0 = any free port)", intOption("--port"), 8790)
    .option(
      "--realism <on|off>",
      "send quota, -2 bursts, redelivery, -14 on rebind",
      onOffOption("--realism"),
      true,
    )
    .option("--seed <n>", "random seed for realism", intOption("--seed"))
    .option(
      "--allowed-host <name[:port]>",
      "another Host the chat page and control API answer (repeatable; `*` = any, behind a trusted proxy only)",
      (value: string, previous: string[] = []) => [...previous, value],
    )
    .action(async (opts: SimOptions) => {
      const sim = await startSimulator({
        host: opts.host,
        port: opts.port,
        realism: opts.realism,
        ...(opts.allowedHost ? { allowedHosts: opts.allowedHost } : {}),
        ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
      });
      process.stdout.write(
        [
          `wxagent simulator on ${sim.url}  (realism ${opts.realism ? "on" : "off"})`,
          `  chat page    ${sim.url}/`,
          `  iLink API    ${sim.url}/ilink/bot/...`,
          `  CDN          ${sim.url}/c2c`,
          `  control API  ${sim.url}/sim/  (POST /sim/accounts gives a bot token)`,
          "Ctrl-C stops it.",
          "",
        ].join("\n"),
      );
      onShutdown(async () => {
        await sim.close();
      });
    });
}
