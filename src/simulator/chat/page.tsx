/**
 * The server-rendered shell of the chat page. Everything live (users, conversations, bubbles,
 * typing) is filled in by the browser script from the control API; the shell holds the layout,
 * the words in the chosen language and the forms of the simulator panel.
 */
import type { Child } from "hono/jsx";
import { dictionaries, type Locale, type Messages } from "./i18n.js";

/** Endpoints offered in the fault form (the simulator accepts these names, and "*"). */
const FAULT_TARGETS = [
  "sendmessage",
  "getupdates",
  "getuploadurl",
  "getconfig",
  "sendtyping",
  "cdn_upload",
  "cdn_download",
  "*",
] as const;

export interface ChatPageProps {
  /** The locale from Accept-Language, or undefined to let navigator.language decide. */
  locale: Locale | undefined;
  /** Where the stylesheet and script are served (relative to the mount point). */
  assetBase: string;
}

const ChatIcon = () => (
  <svg viewBox="0 0 24 24" fill="currentColor" aria-hidden="true">
    <path d="M12 3C6.5 3 2 6.8 2 11.5c0 2.6 1.4 4.9 3.6 6.5L5 21l3.4-1.8c1.1.3 2.3.5 3.6.5 5.5 0 10-3.8 10-8.5S17.5 3 12 3z" />
  </svg>
);
const GearIcon = () => (
  <svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="1.8" aria-hidden="true">
    <circle cx="12" cy="12" r="3.2" />
    <path d="M19.4 15a1.7 1.7 0 0 0 .3 1.8l.1.1a2 2 0 1 1-2.8 2.8l-.1-.1a1.7 1.7 0 0 0-1.8-.3 1.7 1.7 0 0 0-1 1.5V21a2 2 0 1 1-4 0v-.1a1.7 1.7 0 0 0-1.1-1.5 1.7 1.7 0 0 0-1.8.3l-.1.1a2 2 0 1 1-2.8-2.8l.1-.1a1.7 1.7 0 0 0 .3-1.8 1.7 1.7 0 0 0-1.5-1H3a2 2 0 1 1 0-4h.1a1.7 1.7 0 0 0 1.5-1.1 1.7 1.7 0 0 0-.3-1.8l-.1-.1a2 2 0 1 1 2.8-2.8l.1.1a1.7 1.7 0 0 0 1.8.3H9a1.7 1.7 0 0 0 1-1.5V3a2 2 0 1 1 4 0v.1a1.7 1.7 0 0 0 1 1.5 1.7 1.7 0 0 0 1.8-.3l.1-.1a2 2 0 1 1 2.8 2.8l-.1.1a1.7 1.7 0 0 0-.3 1.8V9a1.7 1.7 0 0 0 1.5 1H21a2 2 0 1 1 0 4h-.1a1.7 1.7 0 0 0-1.5 1z" />
  </svg>
);
const ImageIcon = () => (
  <svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="1.8" aria-hidden="true">
    <rect x="3" y="4" width="18" height="16" rx="2" />
    <circle cx="9" cy="10" r="1.8" />
    <path d="M21 16l-5-5-9 9" />
  </svg>
);
const FileIcon = () => (
  <svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="1.8" aria-hidden="true">
    <path d="M14 3H6a2 2 0 0 0-2 2v14a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2V9z" />
    <path d="M14 3v6h6" />
  </svg>
);
const MicIcon = () => (
  <svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="1.8" aria-hidden="true">
    <rect x="9" y="3" width="6" height="11" rx="3" />
    <path d="M5 11a7 7 0 0 0 14 0M12 18v3" />
  </svg>
);

/** A field with its caption; `for` names the control so assistive technology pairs them. */
function Labeled(props: { t: Messages; k: keyof Messages; for: string; children: Child }) {
  return (
    <label for={props.for}>
      <span data-i18n={props.k}>{props.t[props.k]}</span>
      {props.children}
    </label>
  );
}

function SimPanel({ t }: { t: Messages }) {
  return (
    <aside id="panel" class="panel hidden" aria-label={t.settings}>
      <h2 data-i18n="settings">{t.settings}</h2>
      <form id="config-form">
        <h3 data-i18n="realism">{t.realism}</h3>
        <label class="check">
          <input type="checkbox" name="realism" checked />
          <span data-i18n="realismOn">{t.realismOn}</span>
        </label>
        <Labeled t={t} k="sendQuota" for="f-send-quota">
          <input id="f-send-quota" type="number" name="send_quota" min="0" />
        </Labeled>
        <Labeled t={t} k="throttle" for="f-throttle-max-sends">
          <input id="f-throttle-max-sends" type="number" name="throttle.max_sends" min="0" />
        </Labeled>
        <Labeled t={t} k="throttleWindow" for="f-throttle-window-ms">
          <input id="f-throttle-window-ms" type="number" name="throttle.window_ms" min="0" />
        </Labeled>
        <Labeled t={t} k="textLimit" for="f-text-limit">
          <input id="f-text-limit" type="number" name="text_limit" min="0" />
        </Labeled>
        <Labeled t={t} k="tokenLifetime" for="f-context-token-lifetime-ms">
          <input id="f-context-token-lifetime-ms" type="number" name="context_token_lifetime_ms" min="0" />
        </Labeled>
        <Labeled t={t} k="redelivery" for="f-redelivery-rate">
          <input id="f-redelivery-rate" type="number" name="redelivery_rate" min="0" max="1" step="0.01" />
        </Labeled>
        <Labeled t={t} k="seed" for="f-seed">
          <input id="f-seed" type="number" name="seed" min="0" />
        </Labeled>
        <div class="btns">
          <button type="submit" class="mini-btn primary" data-i18n="apply">
            {t.apply}
          </button>
        </div>
        <div class="note" id="config-note" />
      </form>
      <form id="fault-form">
        <h3 data-i18n="faults">{t.faults}</h3>
        <Labeled t={t} k="endpoint" for="f-endpoint">
          <select id="f-endpoint" name="endpoint">
            {FAULT_TARGETS.map((name) => (
              <option value={name}>{name}</option>
            ))}
          </select>
        </Labeled>
        <Labeled t={t} k="faultKind" for="f-kind">
          <select id="f-kind" name="kind">
            <option value="ret" data-i18n="faultRet">
              {t.faultRet}
            </option>
            <option value="status" data-i18n="faultStatus">
              {t.faultStatus}
            </option>
            <option value="latency" data-i18n="faultLatency">
              {t.faultLatency}
            </option>
            <option value="drop" data-i18n="faultDrop">
              {t.faultDrop}
            </option>
            <option value="expire_token" data-i18n="faultExpire">
              {t.faultExpire}
            </option>
            <option value="redeliver" data-i18n="faultRedeliver">
              {t.faultRedeliver}
            </option>
          </select>
        </Labeled>
        <Labeled t={t} k="value" for="f-value">
          <input id="f-value" type="number" name="value" value="-2" />
        </Labeled>
        <Labeled t={t} k="count" for="f-count">
          <input id="f-count" type="number" name="count" value="1" min="1" />
        </Labeled>
        <div class="btns">
          <button type="submit" class="mini-btn primary" data-i18n="inject">
            {t.inject}
          </button>
          <button type="button" class="mini-btn" id="clear-faults" data-i18n="clearFaults">
            {t.clearFaults}
          </button>
        </div>
        <div class="note" id="fault-note" />
      </form>
      <h3 data-i18n="events">{t.events}</h3>
      <ul id="event-log" class="event-log" />
    </aside>
  );
}

function Dialogs({ t }: { t: Messages }) {
  return (
    <>
      <dialog id="name-dialog">
        <form method="dialog">
          <h2 id="name-dialog-title">{t.newUserPrompt}</h2>
          <input type="text" name="name" id="name-input" autocomplete="off" />
          <div class="btns" style="margin-top:12px">
            <button type="submit" value="cancel" class="mini-btn" formnovalidate data-i18n="cancel">
              {t.cancel}
            </button>
            <button type="submit" value="ok" class="mini-btn primary" id="name-ok" data-i18n="ok">
              {t.ok}
            </button>
          </div>
        </form>
      </dialog>
      <dialog id="voice-dialog">
        <form method="dialog">
          <h2 data-i18n="voiceTitle">{t.voiceTitle}</h2>
          <Labeled t={t} k="voiceTranscript" for="voice-transcript">
            <textarea id="voice-transcript" name="transcript" rows={3} />
          </Labeled>
          <Labeled t={t} k="voiceSeconds" for="voice-seconds">
            <input id="voice-seconds" type="number" name="seconds" value="3" min="1" max="60" />
          </Labeled>
          <div class="btns">
            <button type="submit" value="cancel" class="mini-btn" formnovalidate data-i18n="cancel">
              {t.cancel}
            </button>
            <button type="submit" value="ok" class="mini-btn primary" id="voice-ok" data-i18n="send">
              {t.send}
            </button>
          </div>
        </form>
      </dialog>
    </>
  );
}

/**
 * The phone that scans a login QR code (shown for `/?qrcode=<code>`, the link a simulator's QR
 * code holds): who scans, scan, the pairing number, confirm. Filled in by browser/phone.ts.
 */
function PhoneView({ t }: { t: Messages }) {
  return (
    <div id="phone" class="phone-veil hidden">
      <section class="phone" role="dialog" aria-modal="true" aria-labelledby="phone-title">
        <header class="phone-head">
          <h2 id="phone-title" data-i18n="phoneTitle">
            {t.phoneTitle}
          </h2>
          <button
            type="button"
            class="act-btn"
            id="phone-close"
            title={t.phoneClose}
            aria-label={t.phoneClose}
            data-i18n-title="phoneClose"
          >
            ✕
          </button>
        </header>
        <p class="phone-intro" data-i18n="phoneIntro">
          {t.phoneIntro}
        </p>
        <code id="phone-qr" class="phone-qr" />
        <p id="phone-status" class="phone-status" role="status" />
        <div id="phone-scan" class="phone-step hidden">
          <Labeled t={t} k="phoneScanAs" for="phone-user">
            <select id="phone-user" />
          </Labeled>
          <label class="check">
            <input type="checkbox" id="phone-ask-code" />
            <span data-i18n="phoneAskCode">{t.phoneAskCode}</span>
          </label>
          <p id="phone-rebind" class="phone-warn hidden" data-i18n="phoneRebind">
            {t.phoneRebind}
          </p>
          <button type="button" class="phone-btn" id="phone-scan-btn" data-i18n="phoneScan">
            {t.phoneScan}
          </button>
        </div>
        <div id="phone-verify" class="phone-step hidden">
          <div id="phone-number" class="phone-number" />
        </div>
        <div id="phone-confirm" class="phone-step hidden">
          <button type="button" class="phone-btn" id="phone-confirm-btn" data-i18n="phoneConfirm">
            {t.phoneConfirm}
          </button>
        </div>
        <div id="phone-done" class="phone-step hidden">
          <button type="button" class="phone-btn" id="phone-open-chat" data-i18n="phoneOpenChat">
            {t.phoneOpenChat}
          </button>
        </div>
      </section>
    </div>
  );
}

export function ChatPage({ locale, assetBase }: ChatPageProps) {
  const t = dictionaries[locale ?? "en"];
  // Both dictionaries ride along so the script can follow navigator.language; `<` is escaped so
  // no string can close the script element.
  const boot = JSON.stringify({ locale: locale ?? null, dictionaries }).replace(/</g, "\\u003c");
  return (
    <html lang={locale ?? "en"}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{t.title}</title>
        <link rel="icon" type="image/svg+xml" href={`${assetBase}/favicon.svg`} />
        <link rel="stylesheet" href={`${assetBase}/app.css`} />
      </head>
      <body>
        <div class="app">
          <nav class="strip">
            <div id="me-avatar" class="avatar" style="background:#576b95" />
            <button type="button" class="strip-btn active" title={t.chats} data-i18n-title="chats">
              <ChatIcon />
            </button>
            <button
              type="button"
              class="strip-btn"
              id="panel-btn"
              title={t.settings}
              data-i18n-title="settings"
            >
              <GearIcon />
            </button>
            <div class="spacer" />
            <div id="live-dot" class="live-dot" title={t.disconnected} />
          </nav>
          <section class="list">
            <div class="list-head">
              <div class="field-row">
                <label for="me-select" data-i18n="me">
                  {t.me}
                </label>
                <select id="me-select" />
                <button type="button" class="mini-btn" id="new-user-btn" data-i18n="newUser">
                  {t.newUser}
                </button>
              </div>
              <div class="field-row">
                <label for="bot-select" data-i18n="bot">
                  {t.bot}
                </label>
                <select id="bot-select" />
                <button type="button" class="mini-btn" id="new-group-btn" data-i18n="newGroup">
                  {t.newGroup}
                </button>
              </div>
            </div>
            <ul id="chat-list" class="chats" />
          </section>
          <main class="conv">
            <header class="conv-head">
              <button type="button" class="back-btn" id="back-btn" aria-label={t.back} title={t.back}>
                ‹
              </button>
              <div class="conv-name">
                <span id="conv-title" class="conv-title" />
                <span id="conv-sub" class="conv-sub" />
              </div>
            </header>
            <div id="group-hint" class="group-hint hidden" data-i18n="groupHint">
              {t.groupHint}
            </div>
            <div id="messages" class="messages">
              <div class="placeholder" id="placeholder" data-i18n="pickChat">
                {t.pickChat}
              </div>
            </div>
            <footer id="composer" class="composer hidden">
              <div class="toolbar">
                <button type="button" class="tool-btn" id="img-btn" title={t.image}>
                  <ImageIcon />
                  <span data-i18n="image">{t.image}</span>
                </button>
                <button type="button" class="tool-btn" id="file-btn" title={t.file}>
                  <FileIcon />
                  <span data-i18n="file">{t.file}</span>
                </button>
                <button type="button" class="tool-btn" id="voice-btn" title={t.voice}>
                  <MicIcon />
                  <span data-i18n="voice">{t.voice}</span>
                </button>
                <button type="button" class="tool-btn hidden" id="mention-btn" data-i18n="mention">
                  {t.mention}
                </button>
                <input type="file" id="img-input" accept="image/*" class="hidden" />
                <input type="file" id="file-input" class="hidden" />
              </div>
              <div id="quote-bar" class="quote-bar hidden">
                <span id="quote-text" />
                <button type="button" class="act-btn" id="quote-cancel" aria-label={t.cancel}>
                  ✕
                </button>
              </div>
              <textarea
                id="input"
                placeholder={t.inputPlaceholder}
                data-i18n-placeholder="inputPlaceholder"
              />
              <div class="send-row">
                <button type="button" class="send-btn" id="send-btn" data-i18n="send">
                  {t.send}
                </button>
              </div>
            </footer>
          </main>
          <SimPanel t={t} />
        </div>
        <Dialogs t={t} />
        <PhoneView t={t} />
        <script id="wx-boot" type="application/json" dangerouslySetInnerHTML={{ __html: boot }} />
        <script src={`${assetBase}/app.js`} />
      </body>
    </html>
  );
}
