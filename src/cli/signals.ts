import { messageOf } from "../shared/wx-error.js";
/**
 * SIGINT/SIGTERM wiring for long-running commands: the first signal starts a graceful stop,
 * a second one exits at once.
 */
export function onShutdown(stop: (signal: NodeJS.Signals) => Promise<void>): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) {
      process.stderr.write(`\nwxagent: ${signal} again, exiting now\n`);
      process.exit(1);
    }
    stopping = true;
    stop(signal).then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`wxagent: error while stopping: ${messageOf(err)}\n`);
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", handler);
  process.on("SIGTERM", handler);
}
