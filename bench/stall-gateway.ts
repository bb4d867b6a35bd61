/**
 * The gateway of `npm run bench:stall`, in its own process so that its RSS is its own: built as
 * `wxagent start` builds it (test/security/stall-kit.ts), polling the simulator child over
 * loopback HTTP, the built-in agent talking to the model child. Options come as JSON in
 * `STALL_GATEWAY` ({home, account, modelBaseUrl, transcriptionBaseUrl?, config}); sends
 * `{ready}` over IPC once polling. Commands: `{id, cmd: "lag"}` answers the longest event-loop
 * delay since the last one (ms, and starts a new window); `{cmd: "close"}`.
 */
import { monitorEventLoopDelay } from "node:perf_hooks";
import { type StallGatewayOptions, startStallGateway } from "../test/security/stall-kit.js";

process.env.WXAGENT_LOG_LEVEL ??= "error";
const options = JSON.parse(process.env.STALL_GATEWAY ?? "{}") as StallGatewayOptions;
const gw = await startStallGateway(options);
const lag = monitorEventLoopDelay({ resolution: 1 });
lag.enable();

process.on("message", (raw) => {
  const req = raw as { id?: number; cmd?: string };
  if (req.cmd === "lag") {
    const maxMs = Math.round(lag.max / 1e4) / 100;
    lag.reset();
    process.send?.({ id: req.id, maxMs });
  } else if (req.cmd === "close") {
    lag.disable();
    void gw.close().finally(() => process.send?.({ closed: true }, () => process.exit(0)));
  }
});
process.on("disconnect", () => process.exit(0));
process.send?.({ ready: true });
