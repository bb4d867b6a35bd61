/** Account health cards (Overview and Accounts pages) and the Accounts page. */
import type { AccountView } from "../data.js";
import { fixText } from "../fix-text.js";
import { type Dict, type Locale, wordFor } from "../i18n.js";
import { CodeText, conversationHref, fmtTime, Layout, type PageEnv } from "../layout.js";

export function StateBadge(props: { state: AccountView["state"]; t: Dict }) {
  const cls = props.state === "active" ? "ok" : props.state === "expired" ? "bad" : "warn";
  return <span class={`badge ${cls}`}>{props.t[`state_${props.state}`]}</span>;
}

function pollingText(a: AccountView, t: Dict): string {
  if (a.polling.kind === "nobody") return t.pollingNobody;
  const who = a.polling.kind === "here" ? t.pollingHere : `${t.pollingOther} ${a.polling.pid ?? "?"}`;
  return a.polling.state ? `${who} · ${wordFor(t, "pollState_", a.polling.state)}` : who;
}

export function AccountCard(props: { a: AccountView; t: Dict; locale?: Locale }) {
  const { a, t } = props;
  return (
    <section class="card" data-account={a.id}>
      <div class="acct-head">
        <div class="who">
          <span class="id">{a.name ?? a.id}</span>
          {a.name ? <span class="uid">{a.id}</span> : null}
        </div>
        <span>
          {a.simulated ? (
            <span class="badge warn" data-field="simulated" title={t.simulatedTitle}>
              {t.simulated}
            </span>
          ) : null}{" "}
          <StateBadge state={a.state} t={t} />
        </span>
      </div>
      <dl class="kv">
        {a.owner ? (
          <>
            <dt>{t.owner}</dt>
            <dd class="mono">{a.owner}</dd>
          </>
        ) : null}
        <dt>{t.polling}</dt>
        <dd>
          <span class={`badge ${a.polling.kind === "nobody" ? "warn" : "ok"}`}>{pollingText(a, t)}</span>
        </dd>
        <dt>{t.lastMessage}</dt>
        <dd>{fmtTime(a.lastMessageAtMs, t)}</dd>
        <dt>{t.lastPoll}</dt>
        <dd>{fmtTime(a.lastPollAtMs, t)}</dd>
        <dt>{t.queue}</dt>
        <dd data-field="queue">
          {String(a.queue)} <span class="sub">{t.queueDetail}</span>
        </dd>
        <dt>{t.sending}</dt>
        <dd>{String(a.sending)}</dd>
        <dt>{t.outbox}</dt>
        <dd data-field="outbox">{String(a.outbox)}</dd>
        <dt>{t.sendsLeft}</dt>
        <dd data-field="sends-left">
          {a.sendsLeft.length === 0 ? (
            <span class="sub">{t.sendsLeftNone}</span>
          ) : (
            a.sendsLeft.map((s) => (
              <div>
                <a href={conversationHref(a.id, s.userId)} class="mono">
                  {s.userId}
                </a>{" "}
                <span class={`badge plain ${s.left <= 1 ? "warn" : "ok"}`}>{String(s.left)}</span>
              </div>
            ))
          )}
        </dd>
      </dl>
      {a.fix ? (
        <div class="fix" data-field="fix">
          <strong>{t.fix}:</strong> <CodeText text={fixText(a.fix, props.locale ?? "en")} />
          <div>
            <a class="btn small danger" href="/login">
              {t.reloginButton}
            </a>
          </div>
        </div>
      ) : null}
      {a.lastError && !a.fix ? (
        <div class="note" data-field="last-error">
          <strong>{t.lastError}:</strong> {a.lastError}
        </div>
      ) : null}
      {a.state === "active" && a.polling.kind === "nobody" ? (
        <div class="note" data-field="note">
          <CodeText text={t.pollingNobodyNote} />
        </div>
      ) : null}
    </section>
  );
}

/** The cards, as the htmx-polled fragment (`/partials/accounts`). */
export function AccountCards(props: { accounts: AccountView[]; t: Dict; poll: boolean; locale?: Locale }) {
  const { accounts, t } = props;
  return (
    <div
      id="account-cards"
      {...(props.poll
        ? { "hx-get": "/partials/accounts", "hx-trigger": "every 5s", "hx-swap": "outerHTML" }
        : {})}
    >
      {accounts.length === 0 ? (
        <div class="card empty">
          <p>{t.noAccounts}</p>
          <a class="btn" href="/login">
            {t.loginNow}
          </a>
        </div>
      ) : (
        <div class="grid">
          {accounts.map((a) => (
            <AccountCard a={a} t={t} {...(props.locale ? { locale: props.locale } : {})} />
          ))}
        </div>
      )}
    </div>
  );
}

export function AccountsPage(props: { env: PageEnv; accounts: AccountView[] }) {
  const { t } = props.env;
  return (
    <Layout
      env={props.env}
      title={t.navAccounts}
      sub={t.accountsSub}
      active="accounts"
      actions={
        <a class="btn" href="/login">
          {t.loginNow}
        </a>
      }
    >
      <AccountCards accounts={props.accounts} t={t} poll={true} locale={props.env.locale} />
    </Layout>
  );
}
