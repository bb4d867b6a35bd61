/**
 * The chat page's browser code (bundled into /chat/app.js by scripts/build-chat.mjs): who "I"
 * am, which bot, the chat list, the open conversation, the composer, and the live feed. It talks
 * only to the control API (`/sim/...`): history from GET /sim/messages, live updates from
 * GET /sim/events, sends through POST /sim/messages.
 *
 * Conversations are derived from messages: an inbound message belongs to its group or to the
 * sender's direct chat; a reply belongs where the inbound message with its context token was.
 */
import { api, errorText, toast } from "./api.js";
import { avatar } from "./bubbles.js";
import { initComposer } from "./composer.js";
import { byId, el } from "./dom.js";
import { connectFeed } from "./feed.js";
import { initPanel } from "./panel.js";
import { initPhone } from "./phone.js";
import type { Account, Boot, ChatState, EventData, Message, User } from "./types.js";
import { createViews } from "./views.js";

declare global {
  interface Window {
    /** The page's state and feed handler, for a person poking at the page in devtools. */
    wxChat?: { state: ChatState; onEvent(type: string, data: EventData): void; refresh(): void };
  }
}

const boot = JSON.parse(byId("wx-boot").textContent || "{}") as Boot;
const locale = boot.locale || (/^zh/i.test(navigator.language || "") ? "zh-CN" : "en");
const t = boot.dictionaries[locale];
const store = window.localStorage;

const S: ChatState = {
  accounts: [],
  users: {},
  me: store.getItem("wx.me"),
  accountId: store.getItem("wx.account"),
  messages: [],
  byId: {},
  tokenConv: {},
  active: null,
  typing: null,
  typingTimer: 0,
  quote: null,
  localMedia: {},
  groups: {},
  seen: {},
};

function applyI18n(): void {
  document.documentElement.lang = locale;
  const word = (key: string | undefined) => t[key as keyof typeof t];
  for (const n of document.querySelectorAll<HTMLElement>("[data-i18n]")) n.textContent = word(n.dataset.i18n);
  for (const n of document.querySelectorAll<HTMLElement>("[data-i18n-title]")) {
    n.title = word(n.dataset.i18nTitle);
  }
  for (const n of document.querySelectorAll<HTMLInputElement>("[data-i18n-placeholder]")) {
    n.placeholder = word(n.dataset.i18nPlaceholder);
  }
  document.title = t.title;
}
if (!boot.locale) applyI18n();

function askName(title: string): Promise<string | null> {
  const d = byId<HTMLDialogElement>("name-dialog");
  const input = byId<HTMLInputElement>("name-input");
  byId("name-dialog-title").textContent = title;
  input.value = "";
  d.showModal();
  return new Promise((resolve) => {
    d.addEventListener("close", function onClose() {
      d.removeEventListener("close", onClose);
      resolve(d.returnValue === "ok" ? input.value.trim() : null);
    });
  });
}

// ── identity: users and bot accounts ──────────────────────────────────────
function userName(id: string | null | undefined): string {
  const u = id ? S.users[id] : undefined;
  return u?.name || (id ? id.replace(/@.*$/, "").slice(0, 10) : "?");
}
function account(): Account | null {
  return S.accounts.find((a) => a.account_id === S.accountId) || null;
}
function botName(): string {
  return account()?.name || "bot";
}

function rememberUser(u: User | undefined): void {
  if (!u?.user_id) return;
  S.users[u.user_id] = Object.assign(S.users[u.user_id] || {}, u);
  store.setItem("wx.users", JSON.stringify(S.users));
}

// The simulator's list is the truth (ids change when it restarts); the copy in this browser
// only stands in when the list cannot be read.
function loadUsers(): Promise<void> {
  return api("GET", "/sim/users")
    .then((data) => {
      S.users = {};
      for (const u of (data as { users?: User[] } | null)?.users || []) rememberUser(u);
    })
    .catch(() => {
      const cached = JSON.parse(store.getItem("wx.users") || "{}") as Record<string, User>;
      for (const [id, u] of Object.entries(cached)) S.users[id] = u;
    });
}

// Group names live only in this browser (the control API knows a group by its id alone),
// kept per bot account so a restarted simulator starts with none.
function loadGroups(): void {
  S.groups = JSON.parse(store.getItem(`wx.groups.${S.accountId}`) || "{}") as ChatState["groups"];
}
function saveGroups(): void {
  store.setItem(`wx.groups.${S.accountId}`, JSON.stringify(S.groups));
}

function loadAccounts(): Promise<void> {
  return api("GET", "/sim/accounts").then((data) => {
    S.accounts = Array.isArray(data) ? data : (data as { accounts?: Account[] } | null)?.accounts || [];
    const first = S.accounts[0];
    if (!account() && first) S.accountId = first.account_id;
  });
}

function option(value: string, text: string): HTMLOptionElement {
  const o = el("option", null, text);
  o.value = value;
  return o;
}

function renderPickers(): void {
  const me = byId<HTMLSelectElement>("me-select");
  me.replaceChildren(...Object.keys(S.users).map((id) => option(id, userName(id))));
  if (S.me && S.users[S.me]) me.value = S.me;
  const bot = byId<HTMLSelectElement>("bot-select");
  bot.replaceChildren(
    ...S.accounts.map((a) =>
      option(a.account_id, (a.name || a.account_id) + (a.state === "expired" ? " (-14)" : "")),
    ),
    option("__new", `+ ${t.createBot}`),
  );
  if (S.accountId) bot.value = S.accountId;
  byId("me-avatar").replaceWith(
    Object.assign(avatar(S.me ? userName(S.me) : "?", S.me), { id: "me-avatar" }),
  );
}

function setMe(id: string): void {
  S.me = id;
  store.setItem("wx.me", id);
  setTyping(null);
  openChat(`d:${id}`);
}

function selectBot(accountId: string): void {
  S.accountId = accountId;
  store.setItem("wx.account", accountId);
  S.active = null;
}

byId("new-user-btn").onclick = () => {
  askName(t.newUserPrompt)
    .then((name) => {
      if (name === null) return;
      return api("POST", "/sim/users", name ? { name } : {}).then((data) => {
        const u = data as User;
        rememberUser({ user_id: u.user_id, name: u.name || name || undefined });
        setMe(u.user_id);
      });
    })
    .catch((e: unknown) => toast(errorText(e)));
};
byId<HTMLSelectElement>("me-select").onchange = (e) => setMe((e.target as HTMLSelectElement).value);
byId<HTMLSelectElement>("bot-select").onchange = (e) => {
  const value = (e.target as HTMLSelectElement).value;
  if (value === "__new") {
    // Owned by the user being played, who then chats with it as its owner.
    api("POST", "/sim/accounts", S.me ? { owner_user_id: S.me } : {})
      .then((a) => {
        selectBot((a as Account).account_id);
        return loadAccounts()
          .then(loadMessages)
          .then(() => {
            if (S.me) openChat(`d:${S.me}`);
          });
      })
      .catch((err: unknown) => {
        toast(errorText(err));
        renderPickers();
      });
    return;
  }
  selectBot(value);
  void loadMessages();
};
byId("new-group-btn").onclick = () => {
  void askName(t.newGroupPrompt).then((name) => {
    if (name === null) return;
    const id = `${Math.random().toString(36).slice(2, 12)}@chatroom`;
    S.groups[id] = { name: name || `${t.groupMembers} ${id.slice(0, 4)}` };
    saveGroups();
    openChat(`g:${id}`);
  });
};

// ── messages and conversations ───────────────────────────────────────────
function convOf(m: Message): string {
  if (m.group_id) return `g:${m.group_id}`;
  if (m.direction === "inbound") return `d:${m.from}`;
  return (m.context_token && S.tokenConv[m.context_token]) || `d:${m.to}`;
}

function upsert(m: Message | null | undefined): boolean {
  if (!m?.message_id || m.account_id !== S.accountId) return false;
  if (m.direction === "inbound" && m.context_token) S.tokenConv[m.context_token] = convOf(m);
  if (m.direction === "inbound" && m.from) rememberUser(S.users[m.from] || { user_id: m.from });
  if (S.byId[m.message_id]) return false;
  const conv = convOf(m);
  m.conv = conv;
  const g = conv.indexOf("g:") === 0 ? conv.slice(2) : null;
  if (g && !S.groups[g]) S.groups[g] = { name: `${t.groupMembers} ${g.slice(0, 6)}` };
  S.byId[m.message_id] = m;
  S.messages.push(m);
  if (m.direction === "outbound" && S.typing === conv) setTyping(null);
  return true;
}

function fetchMessages(accountId: string): Promise<Message[]> {
  return api("GET", `/sim/messages?account_id=${encodeURIComponent(accountId)}`).then(
    (data) => (data as { messages?: Message[] } | null)?.messages || [],
  );
}

function loadMessages(): Promise<void> {
  S.messages = [];
  S.byId = {};
  S.tokenConv = {};
  loadGroups();
  if (!S.accountId) {
    renderAll();
    return Promise.resolve();
  }
  return fetchMessages(S.accountId)
    .then((messages) => {
      for (const m of messages) upsert(m);
      renderAll();
    })
    .catch((e: unknown) => {
      toast(errorText(e));
      renderAll();
    });
}

const { renderList, renderConversation, renderTyping } = createViews({
  state: S,
  t,
  botName,
  userName,
  openChat,
  startQuote: (m) => composer.startQuote(m),
});

function renderAll(): void {
  renderPickers();
  renderList();
  renderConversation();
}

// On a phone-sized screen the list and the conversation take the whole width in turn.
const app = document.querySelector(".app");
function openChat(key: string): void {
  app?.classList.add("in-chat");
  S.active = key;
  S.quote = null;
  composer.renderQuote();
  S.stick = true;
  renderAll();
  byId("input").focus();
}

byId("back-btn").onclick = () => {
  app?.classList.remove("in-chat");
  renderList();
};

// ── typing ────────────────────────────────────────────────────────────────
function setTyping(conv: string | null): void {
  S.typing = conv;
  clearTimeout(S.typingTimer);
  // A bot that dies mid-turn never cancels: stop showing it after a while, as WeChat does.
  if (conv) S.typingTimer = window.setTimeout(() => setTyping(null), 30000);
  renderTyping();
  renderList();
}
function lastConvOfUser(userId: string): string {
  for (let i = S.messages.length - 1; i >= 0; i--) {
    const m = S.messages[i];
    if (m?.direction === "inbound" && m.from === userId && m.conv) return m.conv;
  }
  return `d:${userId}`;
}

// ── composer (composer.ts) ────────────────────────────────────────────────
const composer = initComposer({
  state: S,
  t,
  api,
  toast,
  botName,
  refresh: () => refresh(),
  renderConversation: () => renderConversation(),
});

// ── live feed (feed.ts) ───────────────────────────────────────────────────
let refreshTimer = 0;
function refresh(): void {
  clearTimeout(refreshTimer);
  refreshTimer = window.setTimeout(() => {
    if (!S.accountId) return;
    fetchMessages(S.accountId)
      .then((messages) => {
        let changed = false;
        for (const m of messages) changed = upsert(m) || changed;
        if (changed) {
          renderList();
          renderConversation();
        }
      })
      .catch(() => {});
  }, 50);
}

function logEvent(type: string, data: EventData): void {
  const log = byId("event-log");
  const text = `${new Date().toLocaleTimeString()} ${type} ${JSON.stringify(data).slice(0, 160)}`;
  log.insertBefore(el("li", null, text), log.firstChild);
  while (log.childNodes.length > 200 && log.lastChild) log.removeChild(log.lastChild);
}

function onEvent(type: string, data: EventData): void {
  logEvent(type, data);
  phone.onEvent(type, data);
  if (type === "message.inbound" || type === "message.outbound") {
    if (upsert(data as unknown as Message)) {
      renderList();
      renderConversation();
    }
  } else if (type.indexOf("typing") === 0) {
    if (data.account_id !== S.accountId || data.user_id !== S.me) return;
    setTyping(data.status === "cancel" ? null : lastConvOfUser(String(data.user_id)));
  } else if (type.indexOf("account.") === 0) {
    if (type === "account.expired" && data.account_id === S.accountId) toast(t.botExpired);
    loadAccounts()
      .then(renderPickers)
      .catch(() => {});
  } else if (type === "fault.triggered" && (!data.account_id || data.account_id === S.accountId)) {
    toast(`${t.faultTriggered}: ${data.endpoint}`);
  } else if (type === "message.rejected" && data.account_id === S.accountId) {
    const rule = data.rule ? ` (${data.rule})` : "";
    toast(`${t.sendRefused}: ret=${data.ret} ${data.errmsg || ""}${rule}`);
  } else if (type === "user.created") {
    rememberUser({ user_id: String(data.user_id), name: data.name as string | undefined });
    renderPickers();
  }
}

// ── the phone of a login QR code (phone.ts): /?qrcode=… ───────────────────
const phone = initPhone({
  api,
  t,
  toast,
  userName,
  users: () => S.users,
  me: () => S.me,
  accounts: () => S.accounts,
  openBot(accountId, userId) {
    selectBot(accountId);
    if (userId) {
      S.me = userId;
      store.setItem("wx.me", userId);
    }
    Promise.all([loadUsers(), loadAccounts()])
      .then(loadMessages)
      .then(() => {
        if (S.me) openChat(`d:${S.me}`);
      })
      .catch((e: unknown) => toast(errorText(e)));
  },
});

window.wxChat = { state: S, onEvent, refresh };
initPanel({ api, t, accountId: () => S.accountId });

void Promise.all([loadUsers(), loadAccounts().catch((e: unknown) => toast(errorText(e)))])
  .then(() => {
    if (S.me && !S.users[S.me]) S.me = null;
    // First visit: play the bot's owner, the WeChat user who "scanned" the bot into existence.
    const a = account();
    if (!S.me && a?.owner_user_id && S.users[a.owner_user_id]) S.me = a.owner_user_id;
    if (!S.me) S.me = Object.keys(S.users)[0] || null;
    return loadMessages();
  })
  .then(() => {
    if (S.me) openChat(`d:${S.me}`);
    connectFeed(t, onEvent, refresh);
    return phone.start();
  });
