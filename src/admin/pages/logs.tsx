/** The Logs page: the process's latest log lines (redacted), newest at the bottom, live. */

import type { Dict } from "../i18n.js";
import { Layout, type PageEnv } from "../layout.js";
import type { LogEntry, LogLevelName } from "../log-buffer.js";

export const LOG_LEVELS: readonly LogLevelName[] = ["debug", "info", "warn", "error"];

function clock(ms: number): string {
  const d = new Date(ms);
  const p = (n: number, w = 2) => String(n).padStart(w, "0");
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}

export function LogLines(props: { entries: LogEntry[] | undefined; level: LogLevelName; t: Dict }) {
  const { entries, t, level } = props;
  return (
    <div
      id="log-lines"
      class="logs"
      hx-get={`/partials/logs?level=${level}`}
      hx-trigger="every 3s"
      hx-swap="outerHTML"
    >
      {entries === undefined ? <div class="log">{t.logsNoBuffer}</div> : null}
      {entries?.length === 0 ? <div class="log">{t.logsNone}</div> : null}
      {entries?.map((e) => (
        <div class="log" data-level={e.level}>
          <span class="t">{clock(e.timeMs)}</span>
          <span class={`lv-${e.level}`}>{e.level.toUpperCase()}</span>
          <span class="n">{e.name ?? ""}</span>
          <span class="m">
            {e.msg}
            {e.details ? <span class="d"> {e.details}</span> : null}
          </span>
        </div>
      ))}
    </div>
  );
}

export function LogsPage(props: { env: PageEnv; entries: LogEntry[] | undefined; level: LogLevelName }) {
  const { t } = props.env;
  return (
    <Layout env={props.env} title={t.navLogs} sub={t.logsSub} active="logs">
      <form class="toolbar" method="get" action="/logs">
        <label class="sub" for="level">
          {t.minLevel}
        </label>
        <select
          id="level"
          name="level"
          hx-get="/logs"
          hx-select="#log-lines"
          hx-target="#log-lines"
          hx-swap="outerHTML"
          hx-push-url="true"
        >
          {LOG_LEVELS.map((l) => (
            <option value={l} selected={l === props.level}>
              {l}
            </option>
          ))}
        </select>
        <span class="sp" />
        <span class="badge ok">{t.refreshing}</span>
      </form>
      <LogLines entries={props.entries} level={props.level} t={t} />
    </Layout>
  );
}
