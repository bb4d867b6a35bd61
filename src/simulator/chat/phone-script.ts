/**
 * Browser code of the phone view: the simulator's QR codes are links to this page
 * (`/?qrcode=<code>`, what `wxagent login` and the admin UI's QR login show), and opened so the
 * page plays the phone that scans it: pick the WeChat user who scans, scan (optionally asking for
 * a pairing number, which it then shows), confirm, and chat with the new bot. It follows the
 * code's status live (`qr.*` events) and says what to do when the code expired or is unknown.
 * A string for the same reason as markdown-script.ts (no backticks, no dollar-brace inside).
 */
export const phoneScript = `
(function (root) {
  "use strict";
  var STEPS = ["scan", "verify", "confirm", "done"];

  function init(ctx) {
    var $ = function (id) { return document.getElementById(id); };
    var t = ctx.t;
    var params = new URLSearchParams(location.search);
    var code = params.get("qrcode");
    var qr = null;
    var veil = $("phone");
    if (!code) return { start: function () {}, onEvent: function () {} };
    veil.classList.remove("hidden");
    $("phone-qr").textContent = code;

    function close() {
      veil.classList.add("hidden");
      params.delete("qrcode");
      var rest = params.toString();
      history.replaceState(null, "", location.pathname + (rest ? "?" + rest : ""));
      code = null;
    }
    $("phone-close").onclick = close;

    function ownsLiveBot(userId) {
      return ctx.accounts().some(function (a) { return a.owner_user_id === userId && a.state === "active"; });
    }
    function rebindNote() {
      $("phone-rebind").classList.toggle("hidden", !ownsLiveBot($("phone-user").value));
    }
    function fillUsers() {
      var sel = $("phone-user");
      var keep = sel.value;
      var ids = Object.keys(ctx.users());
      sel.replaceChildren();
      ids.forEach(function (id) {
        var o = ctx.el("option", null, ctx.userName(id));
        o.value = id;
        sel.appendChild(o);
      });
      var fresh = ctx.el("option", null, "+ " + t.phoneNewUser);
      fresh.value = "__new";
      sel.appendChild(fresh);
      // By default the user being played: the bot then belongs to whoever chats on this page.
      var me = ctx.me();
      sel.value = keep && (keep === "__new" || ids.indexOf(keep) >= 0) ? keep : me && ids.indexOf(me) >= 0 ? me : "__new";
      rebindNote();
    }
    $("phone-user").onchange = rebindNote;

    function show(step) {
      STEPS.forEach(function (s) { $("phone-" + s).classList.toggle("hidden", s !== step); });
    }
    var WORDS = {
      wait: ["phoneWait", "scan"], scaned: ["phoneScanned", "confirm"], scaned_but_redirect: ["phoneScanned", "confirm"],
      need_verifycode: ["phoneCode", "verify"], confirmed: ["phoneConfirmed", "done"], expired: ["phoneExpired", null],
      verify_code_blocked: ["phoneBlocked", null], binded_redirect: ["phoneBound", null]
    };
    function render() {
      var status = $("phone-status");
      veil.dataset.status = qr ? qr.status : "unknown";
      var w = qr ? WORDS[qr.status] : null;
      if (!w) { status.textContent = qr ? qr.status : t.phoneUnknown; show(null); return; }
      status.textContent = t[w[0]];
      show(w[1]);
      if (w[1] === "scan") fillUsers();
      if (w[1] === "verify") $("phone-number").textContent = qr.verify_code || "?";
    }
    function load() {
      if (!code) return Promise.resolve();
      return ctx.api("GET", "/sim/qr").then(function (data) {
        qr = ((data && data.qrcodes) || []).find(function (q) { return q.qrcode === code; }) || null;
        render();
      }).catch(function (e) { ctx.toast(e.message); });
    }
    function act(promise) {
      $("phone").classList.add("busy");
      return promise.then(load).catch(function (e) { ctx.toast(e.message); return load(); }).then(function () {
        $("phone").classList.remove("busy");
      });
    }
    var path = function (what) { return "/sim/qr/" + encodeURIComponent(code) + "/" + what; };

    $("phone-scan-btn").onclick = function () {
      var chosen = $("phone-user").value;
      var who = chosen === "__new"
        ? ctx.api("POST", "/sim/users", {}).then(function (u) { return u.user_id; })
        : Promise.resolve(chosen);
      act(who.then(function (userId) {
        var body = { user_id: userId };
        if ($("phone-ask-code").checked) body.verify_code = true;
        return ctx.api("POST", path("scan"), body);
      }));
    };
    $("phone-confirm-btn").onclick = function () { act(ctx.api("POST", path("confirm"))); };
    $("phone-open-chat").onclick = function () {
      var accountId = qr && qr.account_id;
      var userId = qr && qr.user_id;
      close();
      if (accountId) ctx.openBot(accountId, userId);
    };

    return {
      // Once the page knows its users and bots: who may scan, who owns a bot already.
      start: load,
      onEvent: function (type, data) {
        if (!code) return;
        if (type.indexOf("qr.") === 0 && data && data.qrcode === code) load();
        else if ((type === "user.created" || type.indexOf("account.") === 0) && qr && qr.status === "wait") fillUsers();
      }
    };
  }

  root.wxPhone = { init: init };
})(window);
`;
