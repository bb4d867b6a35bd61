/** The Overview page: counts, the live messages-per-minute chart and the account cards. */
import type { AccountView, MinuteBucket } from "../data.js";
import type { Dict } from "../i18n.js";
import { Layout, type PageEnv } from "../layout.js";
import { AccountCards } from "./accounts.js";
import { TrafficChart } from "./chart.js";

export interface OverviewData {
  accounts: AccountView[];
  contacts: number;
  pairing: number;
  buckets: MinuteBucket[];
}

export function LiveChart(props: { buckets: MinuteBucket[]; t: Dict }) {
  return (
    <div id="chart-live" hx-get="/partials/chart" hx-trigger="every 5s" hx-swap="outerHTML">
      <TrafficChart buckets={props.buckets} t={props.t} />
    </div>
  );
}

export function OverviewPage(props: { env: PageEnv; data: OverviewData }) {
  const { t } = props.env;
  const { accounts, contacts, pairing, buckets } = props.data;
  const active = accounts.filter((a) => a.state === "active").length;
  return (
    <Layout
      env={props.env}
      title={t.navOverview}
      sub={t.overviewSub}
      active="overview"
      actions={<span class="badge ok">{t.refreshing}</span>}
    >
      <div class="stats">
        <div class="stat">
          <div class="n">{String(accounts.length)}</div>
          <div class="l">{t.statAccounts}</div>
        </div>
        <div class="stat">
          <div class="n">{String(active)}</div>
          <div class="l">{t.statActive}</div>
        </div>
        <div class="stat">
          <div class="n">{String(contacts)}</div>
          <div class="l">{t.statContacts}</div>
        </div>
        <a class="stat" href="/contacts#pairing">
          <div class="n">{String(pairing)}</div>
          <div class="l">{t.statPairing}</div>
        </a>
      </div>
      <section class="card">
        <h2>{t.chartTitle}</h2>
        <LiveChart buckets={buckets} t={t} />
      </section>
      <AccountCards accounts={accounts} t={t} poll={true} locale={props.env.locale} />
    </Layout>
  );
}
