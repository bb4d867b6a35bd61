/**
 * The chat page's stylesheet, modelled on WeChat for desktop: a dark icon strip, a grey chat list,
 * a #EDEDED conversation with green self bubbles on the right and white bubbles on the left.
 * A string served at /chat/app.css (tsc copies only .ts files, so no .css asset to lose).
 */
export const chatStyles = `
:root {
  --green: #07c160;
  --green-dark: #06ad56;
  --self: #07c160;
  --bg: #ededed;
  --list: #e6e6e6;
  --list-hover: #dedede;
  --list-active: #c9c9c9;
  --strip: #2e2e2e;
  --line: #d6d6d6;
  --text: #111;
  --muted: #888;
  --danger: #fa5151;
  font-family: -apple-system, BlinkMacSystemFont, "PingFang SC", "Hiragino Sans GB", "Microsoft YaHei",
    "Noto Sans CJK SC", "Segoe UI", Roboto, Helvetica, Arial, sans-serif;
  font-size: 14px;
  color: var(--text);
}
* { box-sizing: border-box; }
html, body { margin: 0; height: 100%; background: #d9d9d9; }
button, input, select, textarea { font: inherit; color: inherit; }
button { cursor: pointer; }
.hidden { display: none !important; }

.app { display: flex; height: 100vh; min-width: 720px; }

/* icon strip */
.strip { width: 60px; background: var(--strip); display: flex; flex-direction: column; align-items: center;
  padding-top: 18px; gap: 18px; flex: none; }
.strip .avatar { width: 36px; height: 36px; font-size: 15px; }
.strip-btn { width: 36px; height: 36px; border: 0; border-radius: 6px; background: transparent; color: #9a9a9a;
  display: grid; place-items: center; }
.strip-btn:hover, .strip-btn.active { color: var(--green); background: rgba(255,255,255,.06); }
.strip-btn svg { width: 22px; height: 22px; }
.strip .spacer { flex: 1; }
.live-dot { width: 8px; height: 8px; border-radius: 50%; background: #666; margin-bottom: 18px; }
.live-dot.on { background: var(--green); }

/* chat list */
.list { width: 260px; background: var(--list); border-right: 1px solid var(--line); display: flex;
  flex-direction: column; flex: none; }
.list-head { padding: 14px 12px 8px; display: flex; flex-direction: column; gap: 8px; background: #f7f7f7;
  border-bottom: 1px solid var(--line); }
.field-row { display: flex; gap: 6px; align-items: center; }
.field-row label { font-size: 12px; color: var(--muted); width: 46px; flex: none; }
.field-row select { flex: 1; min-width: 0; height: 28px; border: 1px solid #dcdcdc; border-radius: 4px;
  background: #fff; padding: 0 6px; }
.mini-btn { height: 28px; border: 1px solid #dcdcdc; border-radius: 4px; background: #fff; padding: 0 8px;
  font-size: 12px; white-space: nowrap; }
.mini-btn:hover { background: #f0f0f0; }
.mini-btn.primary { background: var(--green); border-color: var(--green); color: #fff; }
.mini-btn.primary:hover { background: var(--green-dark); }
.chats { list-style: none; margin: 0; padding: 0; overflow-y: auto; flex: 1; }
.chat-item { display: flex; gap: 10px; padding: 12px; cursor: pointer; align-items: center; }
.chat-item:hover { background: var(--list-hover); }
.chat-item.active { background: var(--list-active); }
.chat-item .meta { flex: 1; min-width: 0; }
.chat-item .row { display: flex; justify-content: space-between; gap: 6px; }
.chat-item .name { font-size: 14px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.chat-item .time { font-size: 11px; color: #aaa; flex: none; }
.chat-item .last { font-size: 12px; color: var(--muted); overflow: hidden; text-overflow: ellipsis;
  white-space: nowrap; margin-top: 3px; }
.badge { position: absolute; top: -5px; right: -5px; min-width: 16px; height: 16px; border-radius: 8px;
  background: var(--danger); color: #fff; font-size: 10px; line-height: 16px; text-align: center; padding: 0 4px; }
.avatar-wrap { position: relative; flex: none; }
.avatar { width: 40px; height: 40px; border-radius: 4px; display: grid; place-items: center; color: #fff;
  font-weight: 600; font-size: 16px; flex: none; user-select: none; }
.avatar.group { font-size: 13px; }
.empty-list { color: var(--muted); font-size: 12px; padding: 18px 14px; line-height: 1.6; }

/* conversation */
.conv { flex: 1; display: flex; flex-direction: column; background: var(--bg); min-width: 0; }
.conv-head { height: 58px; padding: 0 20px; border-bottom: 1px solid var(--line); display: flex;
  align-items: center; justify-content: space-between; flex: none; }
.conv-name { min-width: 0; flex: 1; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.back-btn { display: none; border: 0; background: transparent; font-size: 28px; line-height: 1; padding: 0 12px 4px 0;
  color: #333; }
.group-hint { font-size: 12px; color: #666; background: #f7f7f7; border-bottom: 1px solid var(--line);
  padding: 6px 20px; line-height: 1.5; flex: none; }
.conv-title { font-size: 16px; font-weight: 500; }
.conv-sub { font-size: 12px; color: var(--muted); margin-left: 8px; }
.conv-sub.typing { color: var(--green); }
.messages { flex: 1; overflow-y: auto; padding: 16px 22px 8px; }
.placeholder { height: 100%; display: grid; place-items: center; color: #b2b2b2; font-size: 14px; }
.time-sep { text-align: center; font-size: 12px; color: #a8a8a8; margin: 12px 0; }
.msg { display: flex; gap: 10px; margin: 14px 0; align-items: flex-start; }
.msg.self { flex-direction: row-reverse; }
.msg .body { max-width: min(70%, 560px); display: flex; flex-direction: column; align-items: flex-start; }
.msg.self .body { align-items: flex-end; }
.msg .sender { font-size: 12px; color: var(--muted); margin: 0 0 4px 2px; }
.bubble { position: relative; background: #fff; border-radius: 4px; padding: 9px 12px; line-height: 1.5;
  word-break: break-word; white-space: pre-wrap; min-height: 38px; }
.bubble::before { content: ""; position: absolute; top: 13px; left: -5px; width: 10px; height: 10px;
  background: inherit; transform: rotate(45deg); }
.msg.self .bubble { background: var(--self); color: #0b0b0b; }
.msg.self .bubble::before { left: auto; right: -5px; }
.bubble.media { padding: 0; background: transparent; min-height: 0; }
.bubble.media::before { display: none; }
.bubble .md-text { white-space: pre-wrap; }
.bubble code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px;
  background: rgba(0,0,0,.06); padding: 0 3px; border-radius: 3px; }
.md-code { margin: 6px 0; padding: 8px 10px; background: #f6f6f6; border: 1px solid #e3e3e3; border-radius: 4px;
  overflow-x: auto; white-space: pre; font-size: 12.5px; line-height: 1.45; }
.msg.self .md-code { background: rgba(255,255,255,.35); border-color: rgba(0,0,0,.08); }
.md-code code { background: none; padding: 0; }
.md-table { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px;
  white-space: pre; overflow-x: auto; }
.msg-img { display: block; max-width: 240px; max-height: 240px; min-width: 60px; min-height: 60px;
  object-fit: cover; border-radius: 4px; cursor: zoom-in; background: #ddd; }
.file-card { display: flex; gap: 12px; align-items: center; width: 240px; padding: 12px; background: #fff;
  border-radius: 4px; text-decoration: none; color: inherit; }
.file-card .fname { font-size: 14px; overflow: hidden; text-overflow: ellipsis; display: -webkit-box;
  -webkit-line-clamp: 2; -webkit-box-orient: vertical; white-space: normal; }
.file-card .fsize { font-size: 12px; color: var(--muted); margin-top: 4px; }
.file-card .ficon { width: 38px; height: 46px; border-radius: 3px; background: #5a8dee; color: #fff; flex: none;
  display: grid; place-items: center; font-size: 11px; font-weight: 700; text-transform: uppercase; }
.file-card .ficon.img { background: #f5a623; }
.voice-wrap { display: flex; flex-direction: column; align-items: flex-start; max-width: 100%; }
.msg.self .voice-wrap { align-items: flex-end; }
.voice { display: flex; align-items: center; gap: 8px; min-width: 90px; }
.voice-icon { display: inline-flex; }
.msg.self .voice { flex-direction: row-reverse; }
.msg.self .voice-icon { transform: scaleX(-1); }
.voice-text { margin-top: 6px; background: #fff; border-radius: 4px; padding: 6px 10px; font-size: 13px;
  color: #333; max-width: 100%; white-space: pre-wrap; }
.quote-ref { margin-top: 6px; background: #e2e2e2; color: #666; font-size: 12px; padding: 6px 8px;
  border-radius: 4px; max-width: 100%; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.tool { font-size: 12px; color: var(--muted); background: #e2e2e2; padding: 4px 10px; border-radius: 12px; }
.msg .actions { visibility: hidden; align-self: center; }
.msg:hover .actions { visibility: visible; }
.act-btn { border: 0; background: none; color: #999; font-size: 12px; padding: 2px 4px; }
.act-btn:hover { color: var(--green); }
.msg .status { font-size: 11px; color: var(--danger); align-self: center; }

/* composer */
.composer { height: 170px; border-top: 1px solid var(--line); display: flex; flex-direction: column; flex: none;
  background: var(--bg); }
.toolbar { display: flex; gap: 4px; padding: 8px 14px 0; }
.tool-btn { border: 0; background: transparent; color: #555; height: 30px; padding: 0 8px; border-radius: 4px;
  display: inline-flex; gap: 5px; align-items: center; font-size: 12px; }
.tool-btn:hover { background: #dcdcdc; }
.tool-btn svg { width: 18px; height: 18px; }
.quote-bar { margin: 6px 16px 0; font-size: 12px; color: #666; background: #e2e2e2; border-radius: 4px;
  padding: 5px 8px; display: flex; justify-content: space-between; gap: 8px; }
.quote-bar span { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.composer textarea { flex: 1; border: 0; outline: 0; resize: none; background: transparent; padding: 8px 18px;
  line-height: 1.5; }
.send-row { display: flex; justify-content: flex-end; padding: 0 18px 12px; }
.send-btn { border: 0; background: #e9e9e9; color: var(--green); height: 30px; padding: 0 22px; border-radius: 4px; }
.send-btn:hover { background: var(--green); color: #fff; }
.send-btn:disabled { color: #b2b2b2; background: #e9e9e9; cursor: default; }

/* side panel */
.panel { width: 300px; background: #fff; border-left: 1px solid var(--line); overflow-y: auto; flex: none;
  padding: 14px 16px; font-size: 13px; }
.panel h2 { font-size: 15px; margin: 4px 0 10px; font-weight: 600; }
.panel h3 { font-size: 13px; margin: 18px 0 8px; color: #555; font-weight: 600; }
.panel label { display: flex; flex-direction: column; gap: 3px; margin-bottom: 8px; color: #555; font-size: 12px; }
.panel label.check { flex-direction: row; align-items: center; gap: 6px; }
.panel input[type=number], .panel input[type=text], .panel select { height: 28px; border: 1px solid #dcdcdc;
  border-radius: 4px; padding: 0 6px; background: #fff; }
.panel .btns { display: flex; gap: 6px; margin-top: 6px; }
.panel .note { font-size: 12px; color: var(--muted); min-height: 16px; margin-top: 4px; }
.event-log { list-style: none; padding: 0; margin: 0; font-family: ui-monospace, Menlo, Consolas, monospace;
  font-size: 11px; color: #666; max-height: 260px; overflow-y: auto; }
.event-log li { padding: 3px 0; border-bottom: 1px solid #f0f0f0; white-space: nowrap; overflow: hidden;
  text-overflow: ellipsis; }

/* dialogs */
dialog { border: 0; border-radius: 8px; padding: 18px 20px; width: 340px; box-shadow: 0 8px 30px rgba(0,0,0,.2); }
dialog::backdrop { background: rgba(0,0,0,.35); }
dialog h2 { font-size: 15px; margin: 0 0 12px; }
dialog label { display: flex; flex-direction: column; gap: 4px; font-size: 12px; color: #555; margin-bottom: 10px; }
dialog input, dialog textarea { border: 1px solid #dcdcdc; border-radius: 4px; padding: 6px; }
dialog .btns { display: flex; justify-content: flex-end; gap: 8px; }
.toast { position: fixed; top: 16px; left: 50%; transform: translateX(-50%); background: rgba(0,0,0,.75);
  color: #fff; padding: 8px 16px; border-radius: 6px; font-size: 13px; z-index: 20; max-width: 60vw; }
.lightbox { position: fixed; inset: 0; background: rgba(0,0,0,.8); display: grid; place-items: center; z-index: 10; }
.lightbox img { max-width: 90vw; max-height: 90vh; }

/* the phone of a login QR code (/?qrcode=…) */
.phone-veil { position: fixed; inset: 0; background: rgba(0,0,0,.45); display: grid; place-items: center;
  z-index: 30; padding: 12px; }
.phone { width: min(360px, 100%); max-height: 100%; overflow-y: auto; background: #fff; border-radius: 18px;
  padding: 18px 20px 22px; box-shadow: 0 12px 40px rgba(0,0,0,.3); border: 6px solid #222; }
.phone.busy { opacity: .6; pointer-events: none; }
.phone-head { display: flex; justify-content: space-between; align-items: center; }
.phone-head h2 { font-size: 17px; margin: 0; }
.phone-intro { font-size: 13px; color: #555; line-height: 1.5; }
.phone-qr { display: block; font-size: 11px; color: var(--muted); word-break: break-all; }
.phone-status { font-size: 15px; font-weight: 500; margin: 14px 0 10px; }
.phone-step label { display: flex; flex-direction: column; gap: 4px; font-size: 12px; color: #555; margin-bottom: 10px; }
.phone-step label.check { flex-direction: row; align-items: center; gap: 6px; }
.phone-step select { height: 34px; border: 1px solid #dcdcdc; border-radius: 6px; padding: 0 6px; background: #fff; }
.phone-warn { font-size: 12px; color: #b7791f; background: #fff8e6; border-radius: 6px; padding: 8px; line-height: 1.5; }
.phone-btn { width: 100%; height: 42px; border: 0; border-radius: 8px; background: var(--green); color: #fff;
  font-size: 15px; margin-top: 6px; }
.phone-btn:hover { background: var(--green-dark); }
.phone-number { font-size: 44px; font-weight: 600; letter-spacing: 6px; text-align: center; margin: 8px 0; }

/* touch screens have no hover: the quote action stays visible */
@media (hover: none) { .msg .actions { visibility: visible; } }

/* a phone-sized screen (390 px wide, say): the list, then the conversation, each the whole width */
@media (max-width: 700px) {
  .app { min-width: 0; height: 100vh; height: 100dvh; }
  .strip { width: 48px; gap: 14px; padding-top: 12px; }
  .list { flex: 1; width: auto; min-width: 0; border-right: 0; }
  .conv { display: none; }
  .app.in-chat .strip, .app.in-chat .list { display: none; }
  .app.in-chat .conv { display: flex; }
  .back-btn { display: block; }
  .conv-head { padding: 0 12px; height: 50px; justify-content: flex-start; }
  .group-hint { padding: 6px 12px; }
  .messages { padding: 10px 10px 6px; }
  .msg { gap: 8px; margin: 10px 0; }
  .msg .avatar { width: 34px; height: 34px; font-size: 14px; }
  .msg .body { max-width: calc(100% - 84px); }
  .msg-img { max-width: min(200px, 100%); }
  .file-card { width: min(220px, 100%); }
  .md-code, .md-table { max-width: 100%; }
  .composer { height: auto; }
  .toolbar { padding: 6px 8px 0; flex-wrap: wrap; }
  .composer textarea { min-height: 56px; padding: 6px 12px; font-size: 16px; }
  .send-row { padding: 0 12px 10px; }
  .panel { position: fixed; top: 0; bottom: 0; right: 0; left: 48px; width: auto; z-index: 15; }
  dialog { width: min(340px, 92vw); }
  .toast { width: max-content; max-width: 90vw; }
}
`;
