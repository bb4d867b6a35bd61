import { type Command, Option } from "commander";
import { intOption, listenError, onOffOption, portOption } from "../options.js";
import { onShutdown } from "../signals.js";

interface SimOptions {
  host: string;
  port: number;
  realism: boolean;
  seed?: number;
  allowedHost?: string[];
}

export function defineSim(cmd: Command): void {
  cmd
    .option("--host <host>", "address to bind", "127.0.0.1")
    .option("--port <port>", "port (0 = any free port)", portOption("--port"), 8790)
    .addOption(
      new Option("--realism <on|off>", "send quota, -2 bursts, redelivery, -14 on rebind")
        .argParser(onOffOption("--realism"))
        .default(true, "on"),
    )
    .option("--seed <n>", "random seed for realism", intOption("--seed"))
    .option(
      "--allowed-host <name[:port]>",
      "another Host the chat page and control API answer (repeatable; `*` = any, behind a trusted proxy only)",
      (value: string, previous: string[] = []) => [...previous, value],
    )
    .action(async (opts: SimOptions) => {
      // Loaded here, so `wxagent sim --help` does not load the simulator.
      const { startSimulator } = await import("../../simulator/index.js");
      const sim = await startSimulator({
        host: opts.host,
        port: opts.port,
        realism: opts.realism,
        ...(opts.allowedHost ? { allowedHosts: opts.allowedHost } : {}),
        ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
      }).catch((err: unknown) => {
        throw listenError(err, opts.port, "--port");
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
