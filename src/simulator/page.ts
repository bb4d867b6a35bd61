/**
 * Placeholder for the chat page at `/` (a later task): lists the URLs and the control API.
 */
import type { SimState } from "./state.js";

const CONTROL_ROWS: [string, string][] = [
  ["POST /sim/accounts {name?, owner_user_id?}", "a bound bot account without QR"],
  ["GET /sim/accounts", "every bot account with its owner and state"],
  ["POST /sim/users {name?}", "a WeChat user"],
  ["GET /sim/qr", "QR codes issued and their status"],
  ["POST /sim/qr/:qrcode/scan {user_id?, redirect?, verify_code?}", "a phone scanning"],
  ["POST /sim/qr/:qrcode/confirm", "the phone confirming"],
  [
    "POST /sim/messages {account_id, from, text?|image?|file?|voice?|video?, group_id?, quote?}",
    "a user writes",
  ],
  ["GET /sim/messages?account_id=&user_id=&direction=", "what was exchanged"],
  ["GET /sim/typing?account_id=&user_id=", "typing start and cancel events"],
  ["POST /sim/faults, DELETE /sim/faults", "inject and clear faults"],
  ["POST /sim/config", "realism settings"],
  ["GET /sim/events", "server-sent events of everything"],
];

const escapeHtml = (s: string): string =>
  s.replace(/[&<>"]/g, (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[ch] ?? ch);

export function placeholderPage(state: SimState): string {
  const base = escapeHtml(state.publicBaseUrl);
  const rows = CONTROL_ROWS.map(
    ([call, effect]) => `<tr><td><code>${escapeHtml(call)}</code></td><td>${escapeHtml(effect)}</td></tr>`,
  ).join("\n");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>wxagent iLink simulator</title></head>
<body>
<h1>wxagent iLink simulator</h1>
<p>Realism: ${state.config.realism ? "on" : "off"}, seed ${state.config.seed}. The chat page will live here.</p>
<ul>
<li>iLink API base URL: <code>${base}</code> (endpoints under <code>/ilink/bot/</code>)</li>
<li>CDN base URL: <code>${base}/c2c</code></li>
<li>Control API: <code>${base}/sim/</code></li>
</ul>
<table><thead><tr><th>call</th><th>effect</th></tr></thead><tbody>
${rows}
</tbody></table>
</body></html>`;
}
