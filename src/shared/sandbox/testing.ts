/**
 * For tests: whether this machine has a working sandbox. Tests that need one run when it is
 * there and test the refusal path otherwise; with `WXAGENT_REQUIRE_SANDBOX=1` (CI installs
 * bubblewrap) a missing sandbox is an error instead, so the real tests cannot silently skip.
 */
import { systemSandbox } from "./detect.js";
import type { Sandbox } from "./policy.js";

export const SANDBOX_REQUIRED = process.env.WXAGENT_REQUIRE_SANDBOX === "1";

/** The machine's sandbox, or undefined (throws when it is required and missing). */
export async function sandboxForTests(): Promise<Sandbox | undefined> {
  const status = await systemSandbox();
  if (status.available) return status.sandbox;
  if (SANDBOX_REQUIRED) {
    throw new Error(`WXAGENT_REQUIRE_SANDBOX=1 but no sandbox works here: ${status.reason}; ${status.fix}`);
  }
  return undefined;
}
