/**
 * The composer: text (Enter sends, Shift+Enter breaks the line), image and file pickers, a voice
 * note with its transcript, the @-mention button of group chats, and quoting. Everything goes out
 * through POST /sim/messages as the user picked on the page.
 */
import { errorText } from "./api.js";
import { summary } from "./bubbles.js";
import { byId } from "./dom.js";
import type { Api, ChatState, Message, Messages } from "./types.js";

export interface ComposerContext {
  state: ChatState;
  t: Messages;
  api: Api;
  toast(text: string): void;
  botName(): string;
  refresh(): void;
  renderConversation(): void;
}

export interface Composer {
  startQuote(m: Message): void;
  renderQuote(): void;
}

function readBase64(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => resolve(String(r.result).replace(/^data:[^,]*,/, ""));
    r.onerror = () => reject(r.error);
    r.readAsDataURL(file);
  });
}

/** The file picked in an `<input type=file>`, which is emptied so the same file can come again. */
function takeFile(e: Event): File | undefined {
  const input = e.target as HTMLInputElement;
  const f = input.files?.[0];
  input.value = "";
  return f;
}

export function initComposer(ctx: ComposerContext): Composer {
  const S = ctx.state;
  const t = ctx.t;
  const input = byId<HTMLTextAreaElement>("input");

  function startQuote(m: Message): void {
    S.quote = m;
    renderQuote();
    input.focus();
  }
  function renderQuote(): void {
    byId("quote-bar").classList.toggle("hidden", !S.quote);
    byId("quote-text").textContent = S.quote ? `${t.quoting} ${summary(S.quote, t)}` : "";
  }
  byId("quote-cancel").onclick = () => {
    S.quote = null;
    renderQuote();
  };

  function send(payload: Record<string, unknown>): Promise<{ message_id?: string } | null> {
    if (!S.me || !S.accountId || !S.active) return Promise.resolve(null);
    const body: Record<string, unknown> = { account_id: S.accountId, from: S.me, ...payload };
    if (S.active.indexOf("g:") === 0) body.group_id = S.active.slice(2);
    if (S.quote) body.quote = S.quote.message_id;
    S.quote = null;
    renderQuote();
    S.stick = true;
    return ctx
      .api("POST", "/sim/messages", body)
      .then((data) => {
        const res = data as { message_id?: string } | null;
        // The feed usually wins the race; if not, fetch the history so the bubble shows anyway.
        if (res?.message_id && !S.byId[res.message_id]) setTimeout(ctx.refresh, 300);
        return res;
      })
      .catch((e: unknown) => {
        ctx.toast(`${t.failed}: ${errorText(e)}`);
        return null;
      });
  }

  function sendText(): void {
    const text = input.value;
    if (!text.trim()) return;
    input.value = "";
    void send({ text });
  }
  byId("send-btn").onclick = sendText;
  input.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      sendText();
    }
  });
  byId("mention-btn").onclick = () => {
    input.value = `@${ctx.botName()}\u2005${input.value}`;
    input.focus();
  };

  function sendMedia(kind: "image" | "file", file: File): Promise<void> {
    return readBase64(file).then((b64) => {
      const media: Record<string, string> = { name: file.name, base64: b64 };
      if (file.type) media.mime = file.type;
      return send({ [kind]: media }).then((res) => {
        if (res?.message_id && kind === "image") {
          S.localMedia[res.message_id] = URL.createObjectURL(file);
          ctx.renderConversation();
        }
      });
    });
  }
  byId("img-btn").onclick = () => byId("img-input").click();
  byId("file-btn").onclick = () => byId("file-input").click();
  byId("img-input").onchange = (e) => {
    const f = takeFile(e);
    if (f) void sendMedia("image", f);
  };
  byId("file-input").onchange = (e) => {
    const f = takeFile(e);
    if (f) void sendMedia("file", f);
  };
  byId("voice-btn").onclick = () => {
    const d = byId<HTMLDialogElement>("voice-dialog");
    const transcript = byId<HTMLTextAreaElement>("voice-transcript");
    transcript.value = "";
    d.showModal();
    d.addEventListener("close", function onClose() {
      d.removeEventListener("close", onClose);
      if (d.returnValue !== "ok") return;
      const secs = Math.max(1, Number(byId<HTMLInputElement>("voice-seconds").value) || 1);
      void send({ voice: { transcript: transcript.value, playtime_ms: secs * 1000 } });
    });
  };

  return { startQuote, renderQuote };
}
