/**
 * The phone view: the simulator's QR codes are links to this page (`/?qrcode=<code>`, what
 * `wxagent login` and the admin UI's QR login show), and opened so the page plays the phone that
 * scans it: pick the WeChat user who scans, scan (optionally asking for a pairing number, which it
 * then shows), confirm, and chat with the new bot. It follows the code's status live (`qr.*`
 * events) and says what to do when the code expired or is unknown.
 */
import { errorText } from "./api.js";
import { byId, el } from "./dom.js";
import type { Account, Api, EventData, Messages, QrCode, User } from "./types.js";

export interface PhoneContext {
  api: Api;
  t: Messages;
  toast(text: string): void;
  userName(id: string): string;
  users(): Record<string, User>;
  me(): string | null;
  accounts(): Account[];
  openBot(accountId: string, userId: string | null | undefined): void;
}

export interface Phone {
  /** Once the page knows its users and bots: who may scan, who owns a bot already. */
  start(): Promise<void>;
  onEvent(type: string, data: EventData): void;
}

const STEPS = ["scan", "verify", "confirm", "done"] as const;
type Step = (typeof STEPS)[number];

/** Per QR status: the words shown, and the step offered next (none when the code is finished). */
const WORDS: Record<string, [keyof Messages, Step | null]> = {
  wait: ["phoneWait", "scan"],
  scaned: ["phoneScanned", "confirm"],
  scaned_but_redirect: ["phoneScanned", "confirm"],
  need_verifycode: ["phoneCode", "verify"],
  confirmed: ["phoneConfirmed", "done"],
  expired: ["phoneExpired", null],
  verify_code_blocked: ["phoneBlocked", null],
  binded_redirect: ["phoneBound", null],
};

export function initPhone(ctx: PhoneContext): Phone {
  const t = ctx.t;
  const params = new URLSearchParams(location.search);
  let code = params.get("qrcode");
  let qr: QrCode | null = null;
  const veil = byId("phone");
  if (!code) return { start: () => Promise.resolve(), onEvent: () => {} };
  veil.classList.remove("hidden");
  byId("phone-qr").textContent = code;
  const userSelect = byId<HTMLSelectElement>("phone-user");

  function close(): void {
    veil.classList.add("hidden");
    params.delete("qrcode");
    const rest = params.toString();
    history.replaceState(null, "", location.pathname + (rest ? `?${rest}` : ""));
    code = null;
  }
  byId("phone-close").onclick = close;

  function ownsLiveBot(userId: string): boolean {
    return ctx.accounts().some((a) => a.owner_user_id === userId && a.state === "active");
  }
  function rebindNote(): void {
    byId("phone-rebind").classList.toggle("hidden", !ownsLiveBot(userSelect.value));
  }
  function fillUsers(): void {
    const keep = userSelect.value;
    const ids = Object.keys(ctx.users());
    userSelect.replaceChildren();
    for (const id of ids) {
      const o = el("option", null, ctx.userName(id));
      o.value = id;
      userSelect.appendChild(o);
    }
    const fresh = el("option", null, `+ ${t.phoneNewUser}`);
    fresh.value = "__new";
    userSelect.appendChild(fresh);
    // By default the user being played: the bot then belongs to whoever chats on this page.
    const me = ctx.me();
    if (keep && (keep === "__new" || ids.indexOf(keep) >= 0)) userSelect.value = keep;
    else userSelect.value = me && ids.indexOf(me) >= 0 ? me : "__new";
    rebindNote();
  }
  userSelect.onchange = rebindNote;

  function show(step: Step | null): void {
    for (const s of STEPS) byId(`phone-${s}`).classList.toggle("hidden", s !== step);
  }
  function render(): void {
    const status = byId("phone-status");
    veil.dataset.status = qr ? qr.status : "unknown";
    const w = qr ? WORDS[qr.status] : undefined;
    if (!w) {
      status.textContent = qr ? qr.status : t.phoneUnknown;
      show(null);
      return;
    }
    status.textContent = t[w[0]];
    show(w[1]);
    if (w[1] === "scan") fillUsers();
    if (w[1] === "verify") byId("phone-number").textContent = qr?.verify_code || "?";
  }
  function load(): Promise<void> {
    if (!code) return Promise.resolve();
    const wanted = code;
    return ctx
      .api("GET", "/sim/qr")
      .then((data) => {
        const list = (data as { qrcodes?: QrCode[] } | null)?.qrcodes || [];
        qr = list.find((q) => q.qrcode === wanted) || null;
        render();
      })
      .catch((e: unknown) => ctx.toast(errorText(e)));
  }
  function act(promise: Promise<unknown>): Promise<void> {
    veil.classList.add("busy");
    return promise
      .then(load)
      .catch((e: unknown) => {
        ctx.toast(errorText(e));
        return load();
      })
      .then(() => veil.classList.remove("busy"));
  }
  const path = (what: string) => `/sim/qr/${encodeURIComponent(code ?? "null")}/${what}`;

  byId("phone-scan-btn").onclick = () => {
    const chosen = userSelect.value;
    const who =
      chosen === "__new"
        ? ctx.api("POST", "/sim/users", {}).then((u) => (u as User).user_id)
        : Promise.resolve(chosen);
    void act(
      who.then((userId) => {
        const body: Record<string, unknown> = { user_id: userId };
        if (byId<HTMLInputElement>("phone-ask-code").checked) body.verify_code = true;
        return ctx.api("POST", path("scan"), body);
      }),
    );
  };
  byId("phone-confirm-btn").onclick = () => void act(ctx.api("POST", path("confirm")));
  byId("phone-open-chat").onclick = () => {
    const accountId = qr?.account_id;
    const userId = qr?.user_id;
    close();
    if (accountId) ctx.openBot(accountId, userId);
  };

  return {
    start: load,
    onEvent(type, data) {
      if (!code) return;
      if (type.indexOf("qr.") === 0 && data && data.qrcode === code) void load();
      else if ((type === "user.created" || type.indexOf("account.") === 0) && qr && qr.status === "wait") {
        fillUsers();
      }
    },
  };
}
