/**
 * The Schedules page: every job with its next run and what became of its last firing, the firings
 * held in the outbox because the contact's 24 h window was closed, the operator events of the home
 * channel, and a form to add a job (the same `schedule_add` operation as the CLI and REST).
 */

import type { HomeEvent } from "../../gateway/home.js";
import type { JobView, RunView } from "../../gateway/schedule/api.js";
import type { Dict } from "../i18n.js";
import { fmtTime, Layout, type PageEnv } from "../layout.js";

export interface SchedulesData {
  jobs: JobView[];
  held: RunView[];
  events: HomeEvent[];
}

export interface Flash {
  kind: "ok" | "bad";
  text: string;
}

function JobRow(props: { j: JobView; t: Dict }) {
  const { j, t } = props;
  const last = j.last;
  return (
    <tr data-job={String(j.id)}>
      <td class="mono">#{j.id}</td>
      <td class="mono">{j.to}</td>
      <td>{j.kind === "cron" ? `cron ${j.cron} (${j.tz})` : t.schedOnce}</td>
      <td>{fmtTime(j.next_run_ms, t)}</td>
      <td>
        <span class="badge plain">{j.action}</span> {j.body.length > 80 ? `${j.body.slice(0, 79)}…` : j.body}
      </td>
      <td>
        {last ? (
          <span
            class={`badge ${last.state === "held" || last.state === "failed" ? "warn" : "plain"}`}
            title={last.reason ?? ""}
          >
            {last.state}
          </span>
        ) : (
          "-"
        )}
      </td>
      <td>
        {j.state === "active" ? (
          <form class="inline" method="post" action="/schedules/cancel">
            <input type="hidden" name="id" value={String(j.id)} />
            <button type="submit" class="btn small">
              {t.schedCancel}
            </button>
          </form>
        ) : (
          <span class="sub">{j.state}</span>
        )}
      </td>
    </tr>
  );
}

export function SchedulesPage(props: { env: PageEnv; data: SchedulesData; flash?: Flash | undefined }) {
  const { t } = props.env;
  const { jobs, held, events } = props.data;
  return (
    <Layout env={props.env} title={t.navSchedules} sub={t.schedSub} active="schedules">
      {props.flash ? (
        <div class={`flash ${props.flash.kind}`} id="flash" role="status">
          {props.flash.text}
        </div>
      ) : null}
      <section class="card" id="jobs">
        <h2>
          {t.schedJobs} <span class="badge plain">{String(jobs.length)}</span>
        </h2>
        {jobs.length === 0 ? (
          <div class="empty">{t.schedNone}</div>
        ) : (
          <table>
            <thead>
              <tr>
                <th>#</th>
                <th>{t.contact}</th>
                <th>{t.schedWhen}</th>
                <th>{t.schedNext}</th>
                <th>{t.schedWhat}</th>
                <th>{t.schedLast}</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {jobs.map((j) => (
                <JobRow j={j} t={t} />
              ))}
            </tbody>
          </table>
        )}
      </section>
      <section class="card" id="held">
        <h2>
          {t.schedHeld} <span class={`badge ${held.length ? "warn" : "plain"}`}>{String(held.length)}</span>
        </h2>
        <div class="sub">{t.schedHeldSub}</div>
        {held.length === 0 ? (
          <div class="empty">{t.schedHeldNone}</div>
        ) : (
          <table>
            <tbody>
              {held.map((h) => (
                <tr data-held={String(h.id)}>
                  <td class="mono">#{h.job}</td>
                  <td class="mono">{h.to}</td>
                  <td>{fmtTime(h.scheduled_at_ms, t)}</td>
                  <td>{h.reason ?? ""}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <section class="card" id="home-events">
        <h2>{t.homeEvents}</h2>
        <div class="sub">{t.homeEventsSub}</div>
        {events.length === 0 ? (
          <div class="empty">{t.homeEventsNone}</div>
        ) : (
          <table>
            <tbody>
              {events.map((e) => (
                <tr data-event={e.kind}>
                  <td>{fmtTime(e.atMs, t)}</td>
                  <td>
                    <span class="badge plain">{e.kind}</span>
                  </td>
                  <td class="mono">{e.accountId}</td>
                  <td>
                    {e.text}
                    {e.sentToOwner ? <span class="sub"> · {t.homeSent}</span> : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <section class="card" id="add-job">
        <h2>{t.schedAdd}</h2>
        <form method="post" action="/schedules" class="stack">
          <label>
            {t.contact} <input name="to" required placeholder="…@im.wechat" />
          </label>
          <label>
            {t.schedWhen}{" "}
            <select name="kind">
              <option value="in">in (2h, 45m)</option>
              <option value="at">at (2026-05-01 09:00)</option>
              <option value="cron">cron (0 8 * * 1-5)</option>
            </select>{" "}
            <input name="when" required />
          </label>
          <label>
            tz <input name="tz" placeholder="Asia/Shanghai" />
          </label>
          <label>
            {t.schedText} <textarea name="text" required rows={2} />
          </label>
          <button type="submit" class="btn">
            {t.schedAdd}
          </button>
        </form>
      </section>
    </Layout>
  );
}
