/**
 * A bare stdio entry (`node --import tsx src/mcp/stdio-entry.ts`) for tests and for clients that
 * run the checkout directly. `wxagent mcp` is the normal way in. No signal handling here: the
 * process ends when the client closes stdin and everything has shut down.
 */
import { runStdio } from "./stdio.js";

const handle = await runStdio();
await handle.closed;
