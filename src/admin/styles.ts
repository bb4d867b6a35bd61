/**
 * The admin UI's stylesheet, served as /static/admin.css so the pages need no inline style (the
 * Content-Security-Policy allows styles from 'self' only). WeChat's green on quiet greys.
 */
export const ADMIN_CSS = `
:root {
  --green: #07c160; --green-dark: #06ad56; --green-soft: #e7f8ee;
  --ink: #191919; --muted: #7f7f7f; --line: #e5e5e5; --bg: #f3f3f3; --card: #fff;
  --side: #2e2e2e; --side-ink: #d6d6d6; --red: #fa5151; --red-soft: #fdecec;
  --amber: #f0a020; --amber-soft: #fdf4e3; --blue: #10aeff; --radius: 10px;
  font-family: -apple-system, BlinkMacSystemFont, "Segoe UI", "PingFang SC", "Hiragino Sans GB",
    "Microsoft YaHei", "Noto Sans CJK SC", Roboto, "Helvetica Neue", Arial, sans-serif;
  color: var(--ink); font-size: 14px; line-height: 1.5;
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); }
a { color: var(--green-dark); text-decoration: none; }
a:hover { text-decoration: underline; }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px; }
.shell { display: flex; min-height: 100vh; }
.side { width: 208px; flex: none; background: var(--side); color: var(--side-ink); padding: 18px 0;
  display: flex; flex-direction: column; }
.brand { display: flex; align-items: center; gap: 10px; padding: 0 20px 18px; color: #fff;
  font-weight: 600; font-size: 16px; }
.brand .logo { width: 30px; height: 30px; border-radius: 8px; background: var(--green);
  display: grid; place-items: center; color: #fff; font-size: 15px; font-weight: 700; }
.side nav a { display: flex; align-items: center; gap: 10px; padding: 10px 20px; color: var(--side-ink);
  border-left: 3px solid transparent; }
.side nav a:hover { background: #383838; text-decoration: none; }
.side nav a.on { background: #3a3a3a; color: #fff; border-left-color: var(--green); }
.side nav .icon { flex: none; opacity: .85; }
.side nav a.on .icon { color: var(--green); opacity: 1; }
.side .foot { margin-top: auto; padding: 14px 20px 0; font-size: 12px; color: #8c8c8c; }
.main { flex: 1; min-width: 0; padding: 24px 32px 48px; }
.main > header { display: flex; align-items: baseline; justify-content: space-between; gap: 16px;
  margin-bottom: 18px; }
h1 { font-size: 22px; margin: 0; font-weight: 600; }
h2 { font-size: 15px; margin: 0 0 12px; font-weight: 600; }
.sub { color: var(--muted); font-size: 13px; }
.card { background: var(--card); border-radius: var(--radius); padding: 18px 20px; margin-bottom: 18px;
  box-shadow: 0 1px 2px rgba(0,0,0,.04); }
.grid { display: grid; gap: 18px; grid-template-columns: repeat(auto-fill, minmax(360px, 1fr)); }
.grid > .card { margin-bottom: 0; }
.stats { display: grid; gap: 12px; grid-template-columns: repeat(4, 1fr); margin-bottom: 18px; }
.stat { background: var(--card); border-radius: var(--radius); padding: 14px 16px; }
.stat .n { font-size: 26px; font-weight: 600; }
.stat .l { color: var(--muted); font-size: 12.5px; }
table { width: 100%; border-collapse: collapse; }
th { text-align: left; font-weight: 500; color: var(--muted); font-size: 12.5px; padding: 8px 10px;
  border-bottom: 1px solid var(--line); white-space: nowrap; }
td { padding: 10px; border-bottom: 1px solid #f0f0f0; vertical-align: middle; }
tr:last-child td { border-bottom: none; }
td:last-child a, td.nowrap { white-space: nowrap; }
.badge { display: inline-flex; align-items: center; gap: 5px; padding: 1px 9px; border-radius: 999px;
  font-size: 12px; font-weight: 500; background: #eee; color: #555; white-space: nowrap; }
.badge::before { content: ""; width: 6px; height: 6px; border-radius: 50%; background: currentColor; }
.badge.ok { background: var(--green-soft); color: var(--green-dark); }
.badge.bad { background: var(--red-soft); color: var(--red); }
.badge.warn { background: var(--amber-soft); color: #b86e00; }
.badge.plain::before { display: none; }
.fix { background: var(--red-soft); color: #b42318; border-radius: 8px; padding: 10px 12px; margin-top: 10px;
  font-size: 13px; }
.fix code { background: rgba(255,255,255,.7); padding: 1px 5px; border-radius: 4px; }
.fix .btn { margin-top: 8px; }
.note code { background: rgba(255,255,255,.6); padding: 1px 5px; border-radius: 4px; }
.note { background: var(--amber-soft); color: #8a5300; border-radius: 8px; padding: 10px 12px; font-size: 13px; }
.card .note { margin-top: 10px; }
.empty { color: var(--muted); text-align: center; padding: 26px 10px; }
.btn { display: inline-flex; align-items: center; justify-content: center; gap: 6px; border: 0;
  border-radius: 6px; padding: 7px 16px; font: inherit; font-weight: 500; cursor: pointer;
  background: var(--green); color: #fff; white-space: nowrap; }
.btn:hover { background: var(--green-dark); text-decoration: none; }
.btn.ghost { background: #f2f2f2; color: var(--ink); }
.btn.ghost:hover { background: #e6e6e6; }
.btn.danger { background: #fff; color: var(--red); box-shadow: inset 0 0 0 1px #f5c2c2; }
.btn.danger:hover { background: var(--red-soft); }
.btn.small { padding: 4px 11px; font-size: 13px; }
select, input[type=text], input[type=url] { font: inherit; border: 1px solid #dcdcdc; border-radius: 6px;
  padding: 5px 8px; background: #fff; color: var(--ink); }
input[type=url] { width: min(440px, 100%); }
select { padding: 3px 6px; font-size: 13px; }
select:focus, input:focus { outline: 2px solid var(--green-soft); border-color: var(--green); }
form.inline { display: flex; gap: 8px; align-items: center; flex-wrap: wrap; margin: 0; }
td form.inline { flex-wrap: nowrap; }
.hint { color: var(--muted); font-size: 12.5px; margin-top: 8px; }
.kv { display: grid; grid-template-columns: 110px 1fr; gap: 6px 12px; font-size: 13px; margin: 0; }
.kv dt { color: var(--muted); }
.kv dd { margin: 0; min-width: 0; overflow-wrap: anywhere; }
.kv dd.mono, .kv dd .mono { font-size: 12px; word-break: break-all; }
.card > .sub { margin: -6px 0 12px; }
.acct-head { display: flex; flex-wrap: wrap; justify-content: space-between; align-items: center; gap: 10px;
  margin-bottom: 12px; }
.acct-head .id { font-weight: 600; overflow-wrap: anywhere; }
.chart svg { display: block; width: 100%; height: auto; }
.chart .legend { display: flex; gap: 16px; font-size: 12.5px; color: var(--muted); margin-top: 6px; }
.chart .legend i { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 5px;
  vertical-align: -1px; }
.sw-in { background: var(--green); } .sw-out { background: var(--blue); }
.login { display: grid; grid-template-columns: 300px 1fr; gap: 28px; align-items: start; }
.qr { width: 300px; height: 300px; border-radius: 12px; background: #fff; border: 1px solid var(--line);
  display: grid; place-items: center; position: relative; overflow: hidden; }
.qr img { width: 276px; height: 276px; }
.qr .veil { position: absolute; inset: 0; background: rgba(255,255,255,.92); display: grid;
  place-items: center; text-align: center; font-weight: 600; font-size: 16px; padding: 20px; }
.qr .veil.ok { color: var(--green-dark); }
.qr .veil .big { display: block; margin: 0 auto 10px; }
.steps { list-style: none; padding: 0; margin: 0 0 16px; }
.steps li { display: flex; gap: 10px; align-items: center; padding: 8px 0; color: var(--muted); }
.steps li .dot { width: 22px; height: 22px; border-radius: 50%; border: 2px solid #d0d0d0; flex: none;
  display: grid; place-items: center; font-size: 12px; }
.steps li.done { color: var(--ink); }
.steps li.done .dot { background: var(--green); border-color: var(--green); color: #fff; }
.steps li.now { color: var(--ink); font-weight: 600; }
.steps li.now .dot { border-color: var(--green); }
.status-line { font-size: 15px; margin: 6px 0 14px; }
.chat { max-width: 820px; }
.msg { display: flex; margin: 12px 0; gap: 10px; }
.msg .av { width: 34px; height: 34px; border-radius: 6px; flex: none; display: grid; place-items: center;
  color: #fff; font-weight: 600; font-size: 13px; background: #9aa7b4; }
.msg.out { flex-direction: row-reverse; }
.msg.out .av { background: var(--green); }
.msg .body { max-width: 72%; display: flex; flex-direction: column; gap: 6px; }
.msg.out .body { align-items: flex-end; }
.bubble { background: #fff; border-radius: 8px; padding: 8px 12px; white-space: pre-wrap;
  overflow-wrap: anywhere; box-shadow: 0 1px 1px rgba(0,0,0,.04); }
.msg.out .bubble { background: #95ec69; }
.msg .meta { font-size: 11.5px; color: var(--muted); }
.media-img { max-width: 240px; max-height: 240px; border-radius: 8px; display: block; background: #fff;
  border: 1px solid var(--line); }
.file-card { display: flex; gap: 12px; align-items: center; background: #fff; border-radius: 8px;
  padding: 10px 14px; min-width: 220px; border: 1px solid var(--line); }
.file-card .fi { width: 34px; height: 40px; border-radius: 4px; background: var(--amber); color: #fff;
  display: grid; place-items: center; font-size: 11px; font-weight: 700; }
.file-card .fn { font-weight: 500; overflow-wrap: anywhere; }
.file-card .fs { color: var(--muted); font-size: 12px; }
.voice-wrap { display: flex; flex-direction: column; gap: 4px; }
.msg.out .voice-wrap { align-items: flex-end; }
.voice-note { display: inline-flex; align-items: center; gap: 8px; background: #fff; border-radius: 8px;
  padding: 8px 14px; min-width: 96px; box-shadow: 0 1px 1px rgba(0,0,0,.04); color: var(--ink); }
.msg.out .voice-note { background: #95ec69; flex-direction: row-reverse; }
.msg.out .voice-note .voice-icon { transform: scaleX(-1); }
.voice-text { background: #fff; border-radius: 6px; padding: 6px 10px; font-size: 13px; color: var(--muted);
  max-width: 320px; overflow-wrap: anywhere; }
.day { text-align: center; color: var(--muted); font-size: 12px; margin: 18px 0 6px; }
.logs { background: #1e1e1e; color: #ddd; border-radius: var(--radius); padding: 10px 0; overflow-x: auto; }
.log { display: grid; grid-template-columns: 92px 54px 150px 1fr; gap: 10px; padding: 3px 16px;
  font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px; }
.log:hover { background: #2a2a2a; }
.log .t { color: #8c8c8c; } .log .n { color: #9cdcfe; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.log .m { white-space: pre-wrap; overflow-wrap: anywhere; }
.log .d { color: #8c8c8c; }
.lv-debug, .lv-trace { color: #8c8c8c; } .lv-info { color: #4ec9b0; } .lv-warn { color: #f0c060; }
.lv-error, .lv-fatal { color: #ff7b72; }
.toolbar { display: flex; gap: 10px; align-items: center; margin-bottom: 12px; flex-wrap: wrap; }
.toolbar .sp { flex: 1; }
.code-pill { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; letter-spacing: 2px;
  font-weight: 600; background: #f2f2f2; padding: 2px 8px; border-radius: 5px; }
.flash { padding: 8px 12px; border-radius: 8px; margin-bottom: 12px; font-size: 13px; }
.flash.ok { background: var(--green-soft); color: var(--green-dark); }
.flash.bad { background: var(--red-soft); color: #b42318; }
.who { display: flex; flex-direction: column; }
.who .nm { font-weight: 500; overflow-wrap: anywhere; }
.who .uid { color: var(--muted); font-size: 12px; overflow-wrap: anywhere; }
.gate { max-width: 460px; margin: 12vh auto; text-align: center; }
.gate .logo { width: 56px; height: 56px; border-radius: 14px; background: var(--green); color: #fff;
  display: inline-grid; place-items: center; font-size: 26px; font-weight: 700; margin-bottom: 14px; }
.api-op h2 code { font-weight: 400; color: var(--muted); margin-left: 6px; }
.api-op textarea { width: 100%; font: 12.5px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
  border: 1px solid #dcdcdc; border-radius: 6px; padding: 8px; margin: 6px 0 8px; resize: vertical; }
.api-op pre.out { background: #f7f7f7; border-radius: 6px; padding: 8px 10px; white-space: pre-wrap;
  max-height: 24rem; overflow: auto; margin: 10px 0 0; font-size: 12.5px; }
.api-op pre.out:empty { display: none; }
label.token input { width: min(30rem, 100%); font: inherit; border: 1px solid #dcdcdc; border-radius: 6px;
  padding: 5px 8px; }
@media (max-width: 900px) {
  .side { width: 64px; } .side nav a span.t, .brand span.t, .side .foot { display: none; }
  .main { padding: 18px; } .login { grid-template-columns: 1fr; } .stats { grid-template-columns: repeat(2, 1fr); }
}
`;
