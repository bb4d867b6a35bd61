/**
 * Draws one message of `GET /sim/messages` as WeChat draws it: text bubbles with the §7.5
 * rendering, images inline, files as cards, voice as a bar with its transcript, tool progress as
 * a grey pill, and a quoted message as a grey strip under the bubble.
 */
import { el } from "./dom.js";
import { renderWechatText } from "./markdown.js";
import type { Item, Message, Messages } from "./types.js";

// Three arcs, the sound symbol WeChat draws in a voice bubble (an emoji may have no font).
const VOICE_ICON =
  '<svg viewBox="0 0 20 20" width="18" height="18" fill="none" stroke="currentColor" ' +
  'stroke-width="1.8" stroke-linecap="round"><path d="M5 8.5a2 2 0 0 1 0 3"/><path d="M8 6a5.5 5.5 0 0 1 0 8"/>' +
  '<path d="M11 3.5a9 9 0 0 1 0 13"/></svg>';

export interface BubbleOptions {
  self: boolean;
  senderName: string;
  senderId: string;
  isBot: boolean;
  showName: boolean;
  t: Messages;
  /** where the bytes of a media item are served, or null when nowhere */
  mediaUrl(item: Item, message: Message): string | null;
  onOpenImage(url: string): void;
  onQuote(message: Message): void;
  /** the strip under the bubble naming the quoted message, or null */
  quoted: string | null;
}

function hashHue(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (h * 31 + s.charCodeAt(i)) | 0;
  return Math.abs(h) % 360;
}

export function avatar(name: string | null | undefined, id?: string | null, isBot?: boolean): HTMLDivElement {
  const a = el("div", "avatar", (Array.from(name || "?")[0] || "?").toUpperCase());
  a.style.background = isBot ? "#07c160" : `hsl(${hashHue(id || name || "")}, 45%, 55%)`;
  a.title = name || "";
  return a;
}

function formatSize(n: unknown): string {
  if (typeof n !== "number") return "";
  if (n < 1024) return `${n} B`;
  if (n < 1048576) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1048576).toFixed(1)} MB`;
}

function extOf(name: string | undefined): string {
  const m = /\.([A-Za-z0-9]{1,5})$/.exec(name || "");
  return m?.[1] ?? "file";
}

function fileCard(item: Item, url: string | null, t: Messages): HTMLElement {
  let card: HTMLElement;
  if (url) {
    const link = el("a", "file-card");
    link.href = url;
    link.target = "_blank";
    link.rel = "noopener";
    if (item.name) link.setAttribute("download", item.name);
    card = link;
  } else {
    card = el("div", "file-card");
  }
  const meta = el("div", "fmeta");
  meta.style.flex = "1";
  meta.style.minWidth = "0";
  meta.appendChild(el("div", "fname", item.name || item.sha256 || t.fileLabel));
  const size = formatSize(item.size);
  meta.appendChild(el("div", "fsize", item.error ? item.error : size));
  card.appendChild(meta);
  card.appendChild(el("div", `ficon${item.type === "image" ? " img" : ""}`, extOf(item.name)));
  return card;
}

function imageNode(item: Item, message: Message, opts: BubbleOptions, bubble: HTMLElement): HTMLElement {
  const t = opts.t;
  const url = opts.mediaUrl(item, message);
  bubble.className = "bubble media";
  if (!url) {
    bubble.appendChild(fileCard(item, null, t));
    return bubble;
  }
  const img = el("img", "msg-img");
  img.alt = item.name || t.imageLabel;
  img.src = url;
  img.onerror = () => {
    // No route serves these bytes yet: fall back to a card naming the image.
    const missing: Item = { type: "image", name: item.name, size: item.size, error: t.mediaUnavailable };
    bubble.replaceChildren(fileCard(missing, null, t));
  };
  img.onclick = () => opts.onOpenImage(url);
  bubble.appendChild(img);
  return bubble;
}

function voiceNode(item: Item, t: Messages, bubble: HTMLElement): HTMLElement {
  const wrap = el("div", "voice-wrap");
  const bar = el("div", "voice");
  const secs = item.playtime_ms ? Math.max(1, Math.round(item.playtime_ms / 1000)) : null;
  const icon = el("span", "voice-icon");
  icon.innerHTML = VOICE_ICON;
  bar.appendChild(icon);
  bar.appendChild(el("span", "voice-len", secs ? `${secs}\u2033` : t.voiceLabel));
  bubble.appendChild(bar);
  wrap.appendChild(bubble);
  if (item.transcript) wrap.appendChild(el("div", "voice-text", item.transcript));
  return wrap;
}

function itemNode(item: Item, message: Message, opts: BubbleOptions): HTMLElement {
  const t = opts.t;
  const bubble = el("div", "bubble");
  switch (item.type) {
    case "text":
      bubble.innerHTML = renderWechatText(item.text);
      return bubble;
    case "image":
      return imageNode(item, message, opts, bubble);
    case "file":
    case "video":
      bubble.className = "bubble media";
      bubble.appendChild(fileCard(item, opts.mediaUrl(item, message), t));
      return bubble;
    case "voice":
      return voiceNode(item, t, bubble);
    case "tool_call_start":
      return el("div", "tool", `\u2699 ${t.toolRunning} ${item.tool_name || ""}`);
    case "tool_call_result": {
      const status = item.status ? ` (${item.status})` : "";
      return el("div", "tool", `\u2713 ${t.toolDone} ${item.tool_name || ""}${status}`);
    }
    default:
      return el("div", "tool", `[${item.type || "?"}${item.item_type != null ? ` ${item.item_type}` : ""}]`);
  }
}

/** One line naming what a message holds, for the chat list and quotes. */
export function summary(message: Message, t: Messages): string {
  const parts: string[] = [];
  for (const item of message.items || []) {
    if (item.type === "text") parts.push(item.text ?? "");
    else if (item.type === "image") parts.push(t.imageLabel);
    else if (item.type === "file") parts.push(`${t.fileLabel} ${item.name || ""}`);
    else if (item.type === "video") parts.push(t.videoLabel);
    else if (item.type === "voice") parts.push(`[${t.voiceLabel}] ${item.transcript || ""}`);
    else if (item.type === "tool_call_start" || item.type === "tool_call_result") {
      parts.push(`\u2699 ${item.tool_name || ""}`);
    }
  }
  return parts.join(" ").replace(/\s+/g, " ").trim();
}

export function messageNode(message: Message, opts: BubbleOptions): HTMLDivElement {
  const row = el("div", `msg${opts.self ? " self" : ""}`);
  row.dataset.messageId = message.message_id;
  row.dataset.direction = message.direction;
  row.appendChild(avatar(opts.senderName, opts.senderId, opts.isBot));
  const body = el("div", "body");
  if (opts.showName) body.appendChild(el("div", "sender", opts.senderName));
  for (const item of message.items || []) body.appendChild(itemNode(item, message, opts));
  if (opts.quoted) body.appendChild(el("div", "quote-ref", opts.quoted));
  row.appendChild(body);
  const actions = el("div", "actions");
  const q = el("button", "act-btn", opts.t.quote);
  q.type = "button";
  q.onclick = () => opts.onQuote(message);
  actions.appendChild(q);
  row.appendChild(actions);
  return row;
}
