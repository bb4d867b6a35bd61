/** What of the gateway's own events goes to the home channel (home.ts), and the watch on open approvals. */
import type { PendingAsk } from "./asks.js";
import type { GatewayEvent } from "./gateway-types.js";
import type { HomeChannel } from "./home.js";

const FAILING_WINDOW_MS = 10 * 60_000;
const FAILING_TURNS = 3;

/** A gateway listener: expiries, undelivered scheduled messages, an agent failing turn after turn. */
export function homeListener(home: HomeChannel, now: () => number = Date.now): (e: GatewayEvent) => void {
  const failures = new Map<string, number[]>();
  return (event) => {
    if (event.type === "expired") {
      home.report({
        kind: "account-expired",
        accountId: event.accountId,
        subject: event.accountId,
        text: `account ${event.accountId}: ${event.reason}`,
      });
    } else if (event.type === "schedule-held" || event.type === "schedule-failed") {
      const how = event.type === "schedule-held" ? "held in the outbox until they write" : "failed";
      home.report({
        kind: "schedule-undelivered",
        accountId: event.job.accountId,
        subject: `job ${event.job.id}`,
        text: `scheduled job #${event.job.id} for ${event.job.userId} was not delivered (${how}): ${event.reason}`,
      });
    } else if (event.type === "turn-end" && event.outcome === "failed") {
      const at = now();
      const recent = (failures.get(event.accountId) ?? []).filter((t) => at - t < FAILING_WINDOW_MS);
      recent.push(at);
      failures.set(event.accountId, recent);
      if (recent.length >= FAILING_TURNS) {
        home.report({
          kind: "agent-failing",
          accountId: event.accountId,
          subject: "agent",
          text: `the agent failed ${recent.length} turns within 10 minutes on account ${event.accountId}; see the Logs page or run \`wxagent doctor\``,
        });
      }
    }
  };
}

/** Called now and then: every question a contact's turn put to the owner is reported once. */
export function askWatcher(pending: () => PendingAsk[], home: HomeChannel | undefined): () => void {
  const seen = new Set<string>();
  return () => {
    for (const a of pending()) {
      const key = `${a.accountId}\u0000${a.userId}\u0000${a.number}\u0000${a.askedAtMs}`;
      if (seen.has(key) || !a.forUserId) continue;
      seen.add(key);
      home?.report({
        kind: "approval-waiting",
        accountId: a.accountId,
        subject: key,
        text: `question #${a.number} for ${a.forUserId} waits for the owner's answer${a.undelivered ? " (not sent yet: the owner's send quota is spent)" : ""}`,
      });
    }
  };
}
