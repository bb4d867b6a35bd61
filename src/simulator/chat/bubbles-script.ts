/**
 * Browser code that draws one message of `GET /sim/messages` as WeChat draws it: text bubbles
 * with the §7.5 rendering, images inline, files as cards, voice as a bar with its transcript,
 * tool progress as a grey pill, and a quoted message as a grey strip under the bubble.
 *
 * A string for the same reason as markdown-script.ts (no backticks, no dollar-brace inside).
 */
export const bubblesScript = String.raw`
(function (root) {
  "use strict";
  var md = root.wxMarkdown;

  // Three arcs, the sound symbol WeChat draws in a voice bubble (an emoji may have no font).
  var VOICE_ICON = '<svg viewBox="0 0 20 20" width="18" height="18" fill="none" stroke="currentColor" ' +
    'stroke-width="1.8" stroke-linecap="round"><path d="M5 8.5a2 2 0 0 1 0 3"/><path d="M8 6a5.5 5.5 0 0 1 0 8"/>' +
    '<path d="M11 3.5a9 9 0 0 1 0 13"/></svg>';

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text != null) node.textContent = text;
    return node;
  }

  function hashHue(s) {
    var h = 0;
    for (var i = 0; i < s.length; i++) h = (h * 31 + s.charCodeAt(i)) | 0;
    return Math.abs(h) % 360;
  }

  function avatar(name, id, isBot) {
    var a = el("div", "avatar", (Array.from(name || "?")[0] || "?").toUpperCase());
    a.style.background = isBot ? "#07c160" : "hsl(" + hashHue(id || name || "") + ", 45%, 55%)";
    a.title = name || "";
    return a;
  }

  function formatSize(n) {
    if (typeof n !== "number") return "";
    if (n < 1024) return n + " B";
    if (n < 1048576) return (n / 1024).toFixed(1) + " KB";
    return (n / 1048576).toFixed(1) + " MB";
  }

  function extOf(name) {
    var m = /\.([A-Za-z0-9]{1,5})$/.exec(name || "");
    return m ? m[1] : "file";
  }

  function fileCard(item, url, t) {
    var card = el(url ? "a" : "div", "file-card");
    if (url) {
      card.href = url;
      card.target = "_blank";
      card.rel = "noopener";
      if (item.name) card.setAttribute("download", item.name);
    }
    var meta = el("div", "fmeta");
    meta.style.flex = "1";
    meta.style.minWidth = "0";
    meta.appendChild(el("div", "fname", item.name || item.sha256 || t.fileLabel));
    var size = formatSize(item.size);
    meta.appendChild(el("div", "fsize", item.error ? item.error : size));
    card.appendChild(meta);
    card.appendChild(el("div", "ficon" + (item.type === "image" ? " img" : ""), extOf(item.name)));
    return card;
  }

  // opts: { self, t, mediaUrl(item, message) → string|null, onOpenImage(url) }
  function itemNode(item, message, opts) {
    var t = opts.t;
    var bubble = el("div", "bubble");
    switch (item.type) {
      case "text":
        bubble.innerHTML = md.renderWechatText(item.text);
        return bubble;
      case "image": {
        var url = opts.mediaUrl(item, message);
        bubble.className = "bubble media";
        if (!url) {
          bubble.appendChild(fileCard(item, null, t));
          return bubble;
        }
        var img = el("img", "msg-img");
        img.alt = item.name || t.imageLabel;
        img.src = url;
        img.onerror = function () {
          // No route serves these bytes yet: fall back to a card naming the image.
          bubble.replaceChildren(fileCard({ type: "image", name: item.name, size: item.size, error: t.mediaUnavailable }, null, t));
        };
        img.onclick = function () { opts.onOpenImage(url); };
        bubble.appendChild(img);
        return bubble;
      }
      case "file":
      case "video":
        bubble.className = "bubble media";
        bubble.appendChild(fileCard(item, opts.mediaUrl(item, message), t));
        return bubble;
      case "voice": {
        var wrap = el("div", "voice-wrap");
        var bar = el("div", "voice");
        var secs = item.playtime_ms ? Math.max(1, Math.round(item.playtime_ms / 1000)) : null;
        var icon = el("span", "voice-icon");
        icon.innerHTML = VOICE_ICON;
        bar.appendChild(icon);
        bar.appendChild(el("span", "voice-len", secs ? secs + "\u2033" : t.voiceLabel));
        bubble.appendChild(bar);
        wrap.appendChild(bubble);
        if (item.transcript) wrap.appendChild(el("div", "voice-text", item.transcript));
        return wrap;
      }
      case "tool_call_start":
        return el("div", "tool", "\u2699 " + t.toolRunning + " " + (item.tool_name || ""));
      case "tool_call_result":
        return el("div", "tool", "\u2713 " + t.toolDone + " " + (item.tool_name || "") + (item.status ? " (" + item.status + ")" : ""));
      default:
        return el("div", "tool", "[" + (item.type || "?") + (item.item_type != null ? " " + item.item_type : "") + "]");
    }
  }

  function summary(message, t) {
    var parts = [];
    (message.items || []).forEach(function (item) {
      if (item.type === "text") parts.push(item.text);
      else if (item.type === "image") parts.push(t.imageLabel);
      else if (item.type === "file") parts.push(t.fileLabel + " " + (item.name || ""));
      else if (item.type === "video") parts.push(t.videoLabel);
      else if (item.type === "voice") parts.push("[" + t.voiceLabel + "] " + (item.transcript || ""));
      else if (item.type === "tool_call_start" || item.type === "tool_call_result") parts.push("\u2699 " + (item.tool_name || ""));
    });
    return parts.join(" ").replace(/\s+/g, " ").trim();
  }

  // opts: { self, senderName, senderId, isBot, showName, t, mediaUrl, onOpenImage, onQuote, quoted }
  function messageNode(message, opts) {
    var row = el("div", "msg" + (opts.self ? " self" : ""));
    row.dataset.messageId = message.message_id;
    row.dataset.direction = message.direction;
    row.appendChild(avatar(opts.senderName, opts.senderId, opts.isBot));
    var body = el("div", "body");
    if (opts.showName) body.appendChild(el("div", "sender", opts.senderName));
    (message.items || []).forEach(function (item) { body.appendChild(itemNode(item, message, opts)); });
    if (opts.quoted) body.appendChild(el("div", "quote-ref", opts.quoted));
    row.appendChild(body);
    var actions = el("div", "actions");
    var q = el("button", "act-btn", opts.t.quote);
    q.type = "button";
    q.onclick = function () { opts.onQuote(message); };
    actions.appendChild(q);
    row.appendChild(actions);
    return row;
  }

  root.wxBubbles = { messageNode: messageNode, summary: summary, avatar: avatar, el: el };
})(typeof window !== "undefined" ? window : globalThis);
`;
