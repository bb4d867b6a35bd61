/**
 * What the page draws from its state: the chat list (last message, unread badge, typing) and the
 * open conversation (time separators, bubbles, quotes, the typing line under the title).
 */
import { avatar, messageNode, summary } from "./bubbles.js";
import { byId, el } from "./dom.js";
import type { ChatState, Item, Message, Messages } from "./types.js";

export interface ViewContext {
  state: ChatState;
  t: Messages;
  botName(): string;
  userName(id: string | null | undefined): string;
  openChat(key: string): void;
  startQuote(m: Message): void;
}

export interface Views {
  renderList(): void;
  renderConversation(): void;
  renderTyping(): void;
}

function hhmm(ms: number | undefined): string {
  const d = new Date(ms || Date.now());
  return `${String(d.getHours()).padStart(2, "0")}:${String(d.getMinutes()).padStart(2, "0")}`;
}

function openImage(url: string): void {
  const box = el("div", "lightbox");
  const img = el("img");
  img.src = url;
  box.appendChild(img);
  box.onclick = () => box.remove();
  document.body.appendChild(box);
}

export function createViews(ctx: ViewContext): Views {
  const S = ctx.state;
  const t = ctx.t;
  const { botName, userName, openChat } = ctx;

  interface Conv {
    key: string;
    title: string;
    last: Message | null;
  }

  function visibleConvs(): Conv[] {
    const convs: Record<string, Conv> = {};
    if (S.me) convs[`d:${S.me}`] = { key: `d:${S.me}`, title: botName(), last: null };
    for (const [g, group] of Object.entries(S.groups)) {
      convs[`g:${g}`] = { key: `g:${g}`, title: group.name, last: null };
    }
    for (const m of S.messages) {
      const c = m.conv ? convs[m.conv] : undefined;
      if (c) c.last = m;
    }
    return Object.values(convs).sort((a, b) => (b.last?.create_time_ms || 0) - (a.last?.create_time_ms || 0));
  }

  function chatItem(c: Conv): HTMLLIElement {
    const li = el("li", `chat-item${c.key === S.active ? " active" : ""}`);
    li.dataset.conv = c.key;
    const wrap = el("div", "avatar-wrap");
    const isGroup = c.key.indexOf("g:") === 0;
    const av = avatar(c.title, c.key, !isGroup);
    if (isGroup) av.classList.add("group");
    wrap.appendChild(av);
    const unread = S.messages.filter(
      (m) => m.conv === c.key && m.direction === "outbound" && !S.seen[m.message_id],
    ).length;
    if (unread && c.key !== S.active) wrap.appendChild(el("span", "badge", String(unread)));
    li.appendChild(wrap);
    const meta = el("div", "meta");
    const row = el("div", "row");
    row.appendChild(el("span", "name", c.title));
    row.appendChild(el("span", "time", c.last ? hhmm(c.last.create_time_ms) : ""));
    meta.appendChild(row);
    const idle = isGroup ? t.groupMembers : t.directChat;
    const lastText = c.key === S.typing ? t.typing : c.last ? summary(c.last, t) : idle;
    meta.appendChild(el("div", "last", lastText));
    li.appendChild(meta);
    li.onclick = () => openChat(c.key);
    return li;
  }

  function renderList(): void {
    const list = byId("chat-list");
    list.replaceChildren();
    if (!S.me) {
      list.appendChild(el("li", "empty-list", t.noUser));
      return;
    }
    if (!S.accounts.length) list.appendChild(el("li", "empty-list", t.noBot));
    for (const c of visibleConvs()) list.appendChild(chatItem(c));
  }

  function mediaUrl(item: Item, message: Message): string | null {
    const local = S.localMedia[message.message_id];
    if (local && item.type === "image") return local;
    if (!item.media_param) return null;
    return `/sim/media/${encodeURIComponent(item.media_param)}`;
  }

  function nameOf(m: Message): string {
    return m.direction === "outbound" ? botName() : userName(m.from);
  }

  function renderConversation(): void {
    const box = byId("messages");
    const title = byId("conv-title");
    if (!S.active || !S.me) {
      box.replaceChildren(el("div", "placeholder", S.me ? t.pickChat : t.noUser));
      byId("group-hint").classList.add("hidden");
      title.textContent = "";
      byId("conv-sub").textContent = "";
      byId("composer").classList.add("hidden");
      return;
    }
    const active = S.active;
    const isGroup = active.indexOf("g:") === 0;
    title.textContent = isGroup ? (S.groups[active.slice(2)]?.name ?? "") : botName();
    byId("group-hint").classList.toggle("hidden", !isGroup);
    renderTyping();
    byId("composer").classList.remove("hidden");
    byId("mention-btn").classList.toggle("hidden", !isGroup);
    const nearBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 80;
    box.replaceChildren();
    let prev = 0;
    for (const m of S.messages.filter((x) => x.conv === active)) {
      if (m.create_time_ms - prev > 300000) box.appendChild(el("div", "time-sep", hhmm(m.create_time_ms)));
      prev = m.create_time_ms;
      S.seen[m.message_id] = true;
      const self = m.direction === "inbound" && m.from === S.me;
      const quoted = m.quote ? S.byId[m.quote] : undefined;
      box.appendChild(
        messageNode(m, {
          self,
          senderName: nameOf(m),
          senderId: m.direction === "outbound" ? m.account_id : m.from,
          isBot: m.direction === "outbound",
          showName: isGroup && !self,
          t,
          mediaUrl,
          onOpenImage: openImage,
          onQuote: ctx.startQuote,
          quoted: quoted ? `${nameOf(quoted)}: ${summary(quoted, t)}` : null,
        }),
      );
    }
    if (nearBottom || S.stick) box.scrollTop = box.scrollHeight;
    S.stick = false;
  }

  function renderTyping(): void {
    const sub = byId("conv-sub");
    const on = !!S.active && S.typing === S.active;
    sub.textContent = on ? t.typing : "";
    sub.classList.toggle("typing", on);
  }

  return { renderList, renderConversation, renderTyping };
}
