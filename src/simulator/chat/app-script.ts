/**
 * Browser code of the chat page: who "I" am, which bot, the chat list, the open conversation,
 * the composer, and the live feed. It talks only to the control API (`/sim/...`): history from
 * GET /sim/messages, live updates from GET /sim/events, sends through POST /sim/messages.
 *
 * Conversations are derived from messages: an inbound message belongs to its group or to the
 * sender's direct chat; a reply belongs where the inbound message with its context token was.
 * A string for the same reason as markdown-script.ts (no backticks, no dollar-brace inside).
 */
export const appScript = `
(function () {
  "use strict";
  var B = window.wxBubbles;
  var el = B.el;
  var boot = JSON.parse(document.getElementById("wx-boot").textContent);
  var locale = boot.locale || (/^zh/i.test(navigator.language || "") ? "zh-CN" : "en");
  var t = boot.dictionaries[locale];
  var $ = function (id) { return document.getElementById(id); };
  var store = window.localStorage;

  var S = {
    accounts: [], users: {}, me: store.getItem("wx.me"), accountId: store.getItem("wx.account"),
    messages: [], byId: {}, tokenConv: {}, active: null, typing: null, typingTimer: 0,
    quote: null, localMedia: {}, groups: {}, seen: {}
  };

  function applyI18n() {
    document.documentElement.lang = locale;
    document.querySelectorAll("[data-i18n]").forEach(function (n) { n.textContent = t[n.dataset.i18n]; });
    document.querySelectorAll("[data-i18n-title]").forEach(function (n) { n.title = t[n.dataset.i18nTitle]; });
    document.querySelectorAll("[data-i18n-placeholder]").forEach(function (n) { n.placeholder = t[n.dataset.i18nPlaceholder]; });
    document.title = t.title;
  }
  if (!boot.locale) applyI18n();

  function api(method, path, body) {
    return fetch(path, {
      method: method,
      headers: body ? { "content-type": "application/json" } : {},
      body: body ? JSON.stringify(body) : undefined
    }).then(function (res) {
      return res.text().then(function (text) {
        var data = null;
        try { data = text ? JSON.parse(text) : null; } catch (e) { data = { error: text }; }
        if (!res.ok) throw new Error((data && (data.error || data.errmsg || data.message)) || res.status + " " + res.statusText);
        return data;
      });
    });
  }

  var toastTimer = 0;
  function toast(text) {
    var n = $("toast") || document.body.appendChild(el("div", "toast"));
    n.id = "toast";
    n.textContent = text;
    n.classList.remove("hidden");
    clearTimeout(toastTimer);
    toastTimer = setTimeout(function () { n.classList.add("hidden"); }, 4000);
  }

  function askName(title) {
    var d = $("name-dialog");
    $("name-dialog-title").textContent = title;
    $("name-input").value = "";
    d.showModal();
    return new Promise(function (resolve) {
      d.addEventListener("close", function onClose() {
        d.removeEventListener("close", onClose);
        resolve(d.returnValue === "ok" ? $("name-input").value.trim() : null);
      });
    });
  }

  // ── identity: users and bot accounts ──────────────────────────────────────
  function userName(id) {
    var u = S.users[id];
    return (u && u.name) || (id ? id.replace(/@.*$/, "").slice(0, 10) : "?");
  }
  function account() {
    return S.accounts.find(function (a) { return a.account_id === S.accountId; }) || null;
  }
  function botName() { var a = account(); return (a && a.name) || "bot"; }

  function rememberUser(u) {
    if (!u || !u.user_id) return;
    S.users[u.user_id] = Object.assign(S.users[u.user_id] || {}, u);
    store.setItem("wx.users", JSON.stringify(S.users));
  }

  // The simulator's list is the truth (ids change when it restarts); the copy in this browser
  // only stands in when the list cannot be read.
  function loadUsers() {
    return api("GET", "/sim/users").then(function (data) {
      S.users = {};
      ((data && data.users) || []).forEach(rememberUser);
    }).catch(function () {
      var cached = JSON.parse(store.getItem("wx.users") || "{}");
      Object.keys(cached).forEach(function (id) { S.users[id] = cached[id]; });
    });
  }

  // Group names live only in this browser (the control API knows a group by its id alone),
  // kept per bot account so a restarted simulator starts with none.
  function loadGroups() {
    S.groups = JSON.parse(store.getItem("wx.groups." + S.accountId) || "{}");
  }
  function saveGroups() {
    store.setItem("wx.groups." + S.accountId, JSON.stringify(S.groups));
  }

  function loadAccounts() {
    return api("GET", "/sim/accounts").then(function (data) {
      S.accounts = Array.isArray(data) ? data : (data && data.accounts) || [];
      if (!account() && S.accounts.length) S.accountId = S.accounts[0].account_id;
    });
  }

  function renderPickers() {
    var me = $("me-select");
    me.replaceChildren();
    Object.keys(S.users).forEach(function (id) {
      var o = el("option", null, userName(id));
      o.value = id;
      me.appendChild(o);
    });
    if (S.me && S.users[S.me]) me.value = S.me;
    var bot = $("bot-select");
    bot.replaceChildren();
    S.accounts.forEach(function (a) {
      var o = el("option", null, (a.name || a.account_id) + (a.state === "expired" ? " (-14)" : ""));
      o.value = a.account_id;
      bot.appendChild(o);
    });
    var add = el("option", null, "+ " + t.createBot);
    add.value = "__new";
    bot.appendChild(add);
    if (S.accountId) bot.value = S.accountId;
    var av = $("me-avatar");
    av.replaceWith(Object.assign(B.avatar(S.me ? userName(S.me) : "?", S.me), { id: "me-avatar" }));
  }

  function setMe(id) {
    S.me = id;
    store.setItem("wx.me", id);
    setTyping(null);
    openChat("d:" + id);
  }

  $("new-user-btn").onclick = function () {
    askName(t.newUserPrompt).then(function (name) {
      if (name === null) return;
      return api("POST", "/sim/users", name ? { name: name } : {}).then(function (u) {
        rememberUser({ user_id: u.user_id, name: u.name || name || undefined });
        setMe(u.user_id);
      });
    }).catch(function (e) { toast(e.message); });
  };
  $("me-select").onchange = function (e) { setMe(e.target.value); };
  $("bot-select").onchange = function (e) {
    if (e.target.value === "__new") {
      // Owned by the user being played, who then chats with it as its owner.
      api("POST", "/sim/accounts", S.me ? { owner_user_id: S.me } : {}).then(function (a) {
        S.accountId = a.account_id;
        store.setItem("wx.account", S.accountId);
        S.active = null;
        return loadAccounts().then(loadMessages).then(function () { if (S.me) openChat("d:" + S.me); });
      }).catch(function (err) { toast(err.message); renderPickers(); });
      return;
    }
    S.accountId = e.target.value;
    store.setItem("wx.account", S.accountId);
    S.active = null;
    loadMessages();
  };
  $("new-group-btn").onclick = function () {
    askName(t.newGroupPrompt).then(function (name) {
      if (name === null) return;
      var id = Math.random().toString(36).slice(2, 12) + "@chatroom";
      S.groups[id] = { name: name || t.groupMembers + " " + id.slice(0, 4) };
      saveGroups();
      openChat("g:" + id);
    });
  };

  // ── messages and conversations ───────────────────────────────────────────
  function convOf(m) {
    if (m.group_id) return "g:" + m.group_id;
    if (m.direction === "inbound") return "d:" + m.from;
    return (m.context_token && S.tokenConv[m.context_token]) || "d:" + m.to;
  }

  function upsert(m) {
    if (!m || !m.message_id || m.account_id !== S.accountId) return false;
    if (m.direction === "inbound" && m.context_token) S.tokenConv[m.context_token] = convOf(m);
    if (m.direction === "inbound" && m.from) rememberUser(S.users[m.from] || { user_id: m.from });
    if (S.byId[m.message_id]) return false;
    m.conv = convOf(m);
    var g = m.conv.indexOf("g:") === 0 ? m.conv.slice(2) : null;
    if (g && !S.groups[g]) S.groups[g] = { name: t.groupMembers + " " + g.slice(0, 6) };
    S.byId[m.message_id] = m;
    S.messages.push(m);
    if (m.direction === "outbound" && S.typing === m.conv) setTyping(null);
    return true;
  }

  function loadMessages() {
    S.messages = [];
    S.byId = {};
    S.tokenConv = {};
    loadGroups();
    if (!S.accountId) { renderAll(); return Promise.resolve(); }
    return api("GET", "/sim/messages?account_id=" + encodeURIComponent(S.accountId)).then(function (data) {
      ((data && data.messages) || []).forEach(upsert);
      renderAll();
    }).catch(function (e) { toast(e.message); renderAll(); });
  }

  function visibleConvs() {
    var convs = {};
    if (S.me) convs["d:" + S.me] = { key: "d:" + S.me, title: botName(), last: null };
    Object.keys(S.groups).forEach(function (g) { convs["g:" + g] = { key: "g:" + g, title: S.groups[g].name, last: null }; });
    S.messages.forEach(function (m) { if (convs[m.conv]) convs[m.conv].last = m; });
    return Object.keys(convs).map(function (k) { return convs[k]; }).sort(function (a, b) {
      return ((b.last && b.last.create_time_ms) || 0) - ((a.last && a.last.create_time_ms) || 0);
    });
  }

  function hhmm(ms) {
    var d = new Date(ms || Date.now());
    return String(d.getHours()).padStart(2, "0") + ":" + String(d.getMinutes()).padStart(2, "0");
  }

  function renderList() {
    var list = $("chat-list");
    list.replaceChildren();
    if (!S.me) { list.appendChild(el("li", "empty-list", t.noUser)); return; }
    if (!S.accounts.length) list.appendChild(el("li", "empty-list", t.noBot));
    visibleConvs().forEach(function (c) {
      var li = el("li", "chat-item" + (c.key === S.active ? " active" : ""));
      li.dataset.conv = c.key;
      var wrap = el("div", "avatar-wrap");
      var isGroup = c.key.indexOf("g:") === 0;
      var av = B.avatar(c.title, c.key, !isGroup);
      if (isGroup) av.classList.add("group");
      wrap.appendChild(av);
      var unread = S.messages.filter(function (m) { return m.conv === c.key && m.direction === "outbound" && !S.seen[m.message_id]; }).length;
      if (unread && c.key !== S.active) wrap.appendChild(el("span", "badge", String(unread)));
      li.appendChild(wrap);
      var meta = el("div", "meta");
      var row = el("div", "row");
      row.appendChild(el("span", "name", c.title));
      row.appendChild(el("span", "time", c.last ? hhmm(c.last.create_time_ms) : ""));
      meta.appendChild(row);
      var lastText = c.key === S.typing ? t.typing : c.last ? B.summary(c.last, t) : isGroup ? t.groupMembers : t.directChat;
      meta.appendChild(el("div", "last", lastText));
      li.appendChild(meta);
      li.onclick = function () { openChat(c.key); };
      list.appendChild(li);
    });
  }

  function mediaUrl(item, message) {
    if (S.localMedia[message.message_id] && item.type === "image") return S.localMedia[message.message_id];
    if (!item.media_param) return null;
    return "/sim/media/" + encodeURIComponent(item.media_param);
  }

  function openImage(url) {
    var box = el("div", "lightbox");
    var img = el("img");
    img.src = url;
    box.appendChild(img);
    box.onclick = function () { box.remove(); };
    document.body.appendChild(box);
  }

  function renderConversation() {
    var box = $("messages");
    var title = $("conv-title");
    if (!S.active || !S.me) {
      box.replaceChildren(el("div", "placeholder", S.me ? t.pickChat : t.noUser));
      $("group-hint").classList.add("hidden");
      title.textContent = "";
      $("conv-sub").textContent = "";
      $("composer").classList.add("hidden");
      return;
    }
    var isGroup = S.active.indexOf("g:") === 0;
    title.textContent = isGroup ? S.groups[S.active.slice(2)].name : botName();
    $("group-hint").classList.toggle("hidden", !isGroup);
    renderTyping();
    $("composer").classList.remove("hidden");
    $("mention-btn").classList.toggle("hidden", !isGroup);
    var nearBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 80;
    box.replaceChildren();
    var prev = 0;
    S.messages.filter(function (m) { return m.conv === S.active; }).forEach(function (m) {
      if (m.create_time_ms - prev > 300000) box.appendChild(el("div", "time-sep", hhmm(m.create_time_ms)));
      prev = m.create_time_ms;
      S.seen[m.message_id] = true;
      var self = m.direction === "inbound" && m.from === S.me;
      var sender = m.direction === "outbound" ? botName() : userName(m.from);
      var quoted = m.quote && S.byId[m.quote];
      box.appendChild(B.messageNode(m, {
        self: self, senderName: sender, senderId: m.direction === "outbound" ? m.account_id : m.from,
        isBot: m.direction === "outbound", showName: isGroup && !self, t: t,
        mediaUrl: mediaUrl, onOpenImage: openImage, onQuote: startQuote,
        quoted: quoted ? (quoted.direction === "outbound" ? botName() : userName(quoted.from)) + ": " + B.summary(quoted, t) : null
      }));
    });
    if (nearBottom || S.stick) box.scrollTop = box.scrollHeight;
    S.stick = false;
  }

  function renderAll() {
    renderPickers();
    renderList();
    renderConversation();
  }

  // On a phone-sized screen the list and the conversation take the whole width in turn.
  var app = document.querySelector(".app");
  function openChat(key) {
    app.classList.add("in-chat");
    S.active = key;
    S.quote = null;
    renderQuote();
    S.stick = true;
    renderAll();
    $("input").focus();
  }

  $("back-btn").onclick = function () {
    app.classList.remove("in-chat");
    renderList();
  };

  // ── typing ────────────────────────────────────────────────────────────────
  function setTyping(conv) {
    S.typing = conv;
    clearTimeout(S.typingTimer);
    // A bot that dies mid-turn never cancels: stop showing it after a while, as WeChat does.
    if (conv) S.typingTimer = setTimeout(function () { setTyping(null); }, 30000);
    renderTyping();
    renderList();
  }
  function renderTyping() {
    var sub = $("conv-sub");
    var on = S.active && S.typing === S.active;
    sub.textContent = on ? t.typing : "";
    sub.classList.toggle("typing", !!on);
  }
  function lastConvOfUser(userId) {
    for (var i = S.messages.length - 1; i >= 0; i--) {
      var m = S.messages[i];
      if (m.direction === "inbound" && m.from === userId) return m.conv;
    }
    return "d:" + userId;
  }

  // ── composer (composer-script.ts) ─────────────────────────────────────────
  var composer = window.wxComposer.init({
    state: S, t: t, api: api, toast: toast, botName: botName, refresh: function () { refresh(); },
    renderConversation: function () { renderConversation(); }
  });
  function startQuote(m) { composer.startQuote(m); }
  function renderQuote() { composer.renderQuote(); }

  // ── live feed ─────────────────────────────────────────────────────────────
  var refreshTimer = 0;
  function refresh() {
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(function () {
      if (!S.accountId) return;
      api("GET", "/sim/messages?account_id=" + encodeURIComponent(S.accountId)).then(function (data) {
        var changed = false;
        ((data && data.messages) || []).forEach(function (m) { changed = upsert(m) || changed; });
        if (changed) { renderList(); renderConversation(); }
      }).catch(function () {});
    }, 50);
  }

  function logEvent(type, data) {
    var log = $("event-log");
    var line = el("li", null, new Date().toLocaleTimeString() + " " + type + " " + JSON.stringify(data).slice(0, 160));
    log.insertBefore(line, log.firstChild);
    while (log.childNodes.length > 200) log.removeChild(log.lastChild);
  }

  function onEvent(type, data) {
    logEvent(type, data);
    phone.onEvent(type, data);
    if (type === "message.inbound" || type === "message.outbound") {
      if (upsert(data)) { renderList(); renderConversation(); }
    } else if (type.indexOf("typing") === 0) {
      if (data.account_id !== S.accountId || data.user_id !== S.me) return;
      setTyping(data.status === "cancel" ? null : lastConvOfUser(data.user_id));
    } else if (type.indexOf("account.") === 0) {
      if (type === "account.expired" && data.account_id === S.accountId) toast(t.botExpired);
      loadAccounts().then(renderPickers).catch(function () {});
    } else if (type === "fault.triggered" && (!data.account_id || data.account_id === S.accountId)) {
      toast(t.faultTriggered + ": " + data.endpoint);
    } else if (type === "message.rejected" && data.account_id === S.accountId) {
      toast(t.sendRefused + ": ret=" + data.ret + " " + (data.errmsg || "") + (data.rule ? " (" + data.rule + ")" : ""));
    } else if (type === "user.created") {
      rememberUser({ user_id: data.user_id, name: data.name });
      renderPickers();
    }
  }

  function connect() {
    var es = new EventSource("/sim/events");
    es.onopen = function () { $("live-dot").classList.add("on"); $("live-dot").title = t.connected; refresh(); };
    es.onerror = function () { $("live-dot").classList.remove("on"); $("live-dot").title = t.disconnected; };
    function handle(e) {
      var data = {};
      try { data = JSON.parse(e.data); } catch (err) { return; }
      // Accept both shapes: a named event with its data, or an envelope {type, data}.
      if (e.type === "message" && data && typeof data.type === "string" && data.data) onEvent(data.type, data.data);
      else onEvent(e.type, data);
    }
    es.onmessage = handle;
    // The simulator names each event; EventSource only hands over the names it is told about.
    ["message.inbound", "message.outbound", "message.redelivered", "message.duplicate", "message.rejected", "typing",
      "user.created", "account.created", "account.expired", "fault.added", "fault.cleared", "fault.triggered",
      "realism.redelivery", "config", "qr.created", "qr.status", "qr.wrong_code", "updates.delivered"
    ].forEach(function (name) { es.addEventListener(name, handle); });
  }

  // ── the phone of a login QR code (phone-script.ts): /?qrcode=… ───────────
  var phone = window.wxPhone.init({
    api: api, t: t, toast: toast, el: el, userName: userName,
    users: function () { return S.users; },
    me: function () { return S.me; },
    accounts: function () { return S.accounts; },
    openBot: function (accountId, userId) {
      S.accountId = accountId;
      store.setItem("wx.account", accountId);
      if (userId) { S.me = userId; store.setItem("wx.me", userId); }
      S.active = null;
      Promise.all([loadUsers(), loadAccounts()]).then(loadMessages).then(function () {
        if (S.me) openChat("d:" + S.me);
      }).catch(function (e) { toast(e.message); });
    }
  });

  window.wxChat = { state: S, onEvent: onEvent, refresh: refresh };
  window.wxPanel.init({ api: api, t: t, accountId: function () { return S.accountId; } });

  Promise.all([loadUsers(), loadAccounts().catch(function (e) { toast(e.message); })]).then(function () {
    if (S.me && !S.users[S.me]) S.me = null;
    // First visit: play the bot's owner, the WeChat user who "scanned" the bot into existence.
    var a = account();
    if (!S.me && a && S.users[a.owner_user_id]) S.me = a.owner_user_id;
    if (!S.me) S.me = Object.keys(S.users)[0] || null;
    return loadMessages();
  }).then(function () {
    if (S.me) openChat("d:" + S.me);
    connect();
    phone.start();
  });
})();
`;
