/**
 * `startSimulator()`: the simulator on a real socket (for `wxagent sim` and loopback tests).
 * `baseurl`, `upload_full_url` and `full_url` then carry the real listening URL.
 */
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { createSimulator, type Simulator } from "./app.js";

export interface StartSimulatorOptions {
  host?: string;
  /** 0 picks any free port; default 8790 */
  port?: number;
  realism?: boolean;
  seed?: number;
  longPollTimeoutMs?: number;
  /**
   * More Host values the control API and chat page answer (`name` or `name:port`), beside the
   * bound address (and localhost names on loopback, the machine's addresses on 0.0.0.0 / ::);
   * `*` accepts any Host (behind a trusted proxy only). See doors.ts.
   */
  allowedHosts?: readonly string[];
}

export interface RunningSimulator {
  url: string;
  port: number;
  simulator: Simulator;
  close(): Promise<void>;
}

export async function startSimulator(options: StartSimulatorOptions = {}): Promise<RunningSimulator> {
  const host = options.host ?? "127.0.0.1";
  const simulator = createSimulator({
    realism: options.realism,
    seed: options.seed,
    longPollTimeoutMs: options.longPollTimeoutMs,
  });
  const { server, port } = await new Promise<{ server: ReturnType<typeof serve>; port: number }>(
    (resolve, reject) => {
      const s = serve(
        { fetch: simulator.app.fetch, hostname: host, port: options.port ?? 8790 },
        (info: AddressInfo) => resolve({ server: s, port: info.port }),
      );
      s.once("error", reject);
    },
  );
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
  simulator.state.publicBaseUrl = url;
  simulator.restrictHosts({ bindHost: host, port, allowedHosts: options.allowedHosts ?? [] });
  return {
    url,
    port,
    simulator,
    close: () =>
      new Promise<void>((resolve) => {
        simulator.close();
        const s = server as unknown as { closeAllConnections?: () => void };
        server.close(() => resolve());
        s.closeAllConnections?.();
      }),
  };
}
