/**
 * The permission options the pinned adapters send with session/request_permission, in their
 * order and with their labels (read from claude-agent-acp 0.49.0's acp-agent.js and codex-acp
 * 2.6.0's permissions/options.ts). The fake agent asks with these, and the README's example
 * questions are checked against them.
 */
import type { PermissionOption } from "@agentclientprotocol/sdk";

/** Claude: "Always Allow" first (its label names the rule it would add), then Allow, Reject. */
export function claudeOptions(rule: string): PermissionOption[] {
  return [
    { kind: "allow_always", name: `Always Allow ${rule}`, optionId: "allow_always" },
    { kind: "allow_once", name: "Allow", optionId: "allow" },
    { kind: "reject_once", name: "Reject", optionId: "reject" },
  ];
}

/** Codex, for a command: once, for the session, then two ways to say no. */
export const CODEX_COMMAND_OPTIONS: PermissionOption[] = [
  { kind: "allow_once", name: "Yes, proceed", optionId: "allow_once" },
  {
    kind: "allow_always",
    name: "Yes, and don't ask again for this command in this session",
    optionId: "allow_for_session",
  },
  { kind: "reject_once", name: "No, continue without running it", optionId: "decline" },
  { kind: "reject_once", name: "No, and tell Codex what to do differently", optionId: "cancel" },
];

/** Codex, for a file change. */
export const CODEX_FILE_OPTIONS: PermissionOption[] = [
  { kind: "allow_once", name: "Yes, proceed", optionId: "allow_once" },
  { kind: "allow_always", name: "Yes, and don't ask again for these files", optionId: "allow_for_session" },
  { kind: "reject_once", name: "No, and tell Codex what to do differently", optionId: "cancel" },
];

/** Whether an answer lets the tool run. */
export function allows(optionId: string): boolean {
  return !["reject", "decline", "cancel"].includes(optionId);
}
