/**
 * The gateway of `npm run bench:stall`, in its own process so that its RSS is its own: built as
 * `wxagent start` builds it (test/security/stall-kit.ts), polling the simulator child over
 * loopback HTTP, the built-in agent talking to the model child. Options come as JSON in
 * `STALL_GATEWAY` ({home, account, modelBaseUrl, transcriptionBaseUrl?, config}); sends
 * `{ready}` over IPC once polling, and closes on `{cmd: "close"}`.
 */
import { type StallGatewayOptions, startStallGateway } from "../test/security/stall-kit.js";

process.env.WXAGENT_LOG_LEVEL ??= "error";
const options = JSON.parse(process.env.STALL_GATEWAY ?? "{}") as StallGatewayOptions;
const gw = await startStallGateway(options);

process.on("message", (raw) => {
  if ((raw as { cmd?: string }).cmd !== "close") return;
  void gw.close().finally(() => process.send?.({ closed: true }, () => process.exit(0)));
});
process.on("disconnect", () => process.exit(0));
process.send?.({ ready: true });
