/**
 * Browser code of the composer: text (Enter sends, Shift+Enter breaks the line), image and file
 * pickers, a voice note with its transcript, the @-mention button of group chats, and quoting.
 * Everything goes out through POST /sim/messages as the user picked on the page.
 * A string for the same reason as markdown-script.ts (no backticks, no dollar-brace inside).
 */
export const composerScript = String.raw`
(function (root) {
  "use strict";
  // ctx: { state, t, api, toast, botName(), refresh(), renderConversation() }
  function init(ctx) {
    var S = ctx.state;
    var t = ctx.t;
    var B = root.wxBubbles;
    var $ = function (id) { return document.getElementById(id); };
    var api = ctx.api;
    var toast = ctx.toast;
    var botName = ctx.botName;
    var refresh = ctx.refresh;
    var renderConversation = ctx.renderConversation;

    function startQuote(m) {
      S.quote = m;
      renderQuote();
      $("input").focus();
    }
    function renderQuote() {
      $("quote-bar").classList.toggle("hidden", !S.quote);
      $("quote-text").textContent = S.quote ? t.quoting + " " + B.summary(S.quote, t) : "";
    }
    $("quote-cancel").onclick = function () { S.quote = null; renderQuote(); };

    function send(payload) {
      if (!S.me || !S.accountId || !S.active) return Promise.resolve(null);
      var body = Object.assign({ account_id: S.accountId, from: S.me }, payload);
      if (S.active.indexOf("g:") === 0) body.group_id = S.active.slice(2);
      if (S.quote) body.quote = S.quote.message_id;
      S.quote = null;
      renderQuote();
      S.stick = true;
      return api("POST", "/sim/messages", body).then(function (res) {
        // The feed usually wins the race; if not, fetch the history so the bubble shows anyway.
        if (res && res.message_id && !S.byId[res.message_id]) setTimeout(refresh, 300);
        return res;
      }).catch(function (e) { toast(t.failed + ": " + e.message); return null; });
    }

    function sendText() {
      var input = $("input");
      var text = input.value;
      if (!text.trim()) return;
      input.value = "";
      send({ text: text });
    }
    $("send-btn").onclick = sendText;
    $("input").addEventListener("keydown", function (e) {
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); sendText(); }
    });
    $("mention-btn").onclick = function () {
      var input = $("input");
      input.value = "@" + botName() + "\u2005" + input.value;
      input.focus();
    };

    function readBase64(file) {
      return new Promise(function (resolve, reject) {
        var r = new FileReader();
        r.onload = function () { resolve(String(r.result).replace(/^data:[^,]*,/, "")); };
        r.onerror = function () { reject(r.error); };
        r.readAsDataURL(file);
      });
    }
    function sendMedia(kind, file) {
      return readBase64(file).then(function (b64) {
        var media = { name: file.name, base64: b64 };
        if (file.type) media.mime = file.type;
        var payload = {};
        payload[kind] = media;
        return send(payload).then(function (res) {
          if (res && res.message_id && kind === "image") {
            S.localMedia[res.message_id] = URL.createObjectURL(file);
            renderConversation();
          }
        });
      });
    }
    $("img-btn").onclick = function () { $("img-input").click(); };
    $("file-btn").onclick = function () { $("file-input").click(); };
    $("img-input").onchange = function (e) { var f = e.target.files[0]; e.target.value = ""; if (f) sendMedia("image", f); };
    $("file-input").onchange = function (e) { var f = e.target.files[0]; e.target.value = ""; if (f) sendMedia("file", f); };
    $("voice-btn").onclick = function () {
      var d = $("voice-dialog");
      $("voice-transcript").value = "";
      d.showModal();
      d.addEventListener("close", function onClose() {
        d.removeEventListener("close", onClose);
        if (d.returnValue !== "ok") return;
        var secs = Math.max(1, Number($("voice-seconds").value) || 1);
        send({ voice: { transcript: $("voice-transcript").value, playtime_ms: secs * 1000 } });
      });
    };

    return { startQuote: startQuote, renderQuote: renderQuote };
  }
  root.wxComposer = { init: init };
})(typeof window !== "undefined" ? window : globalThis);
`;
