/**
 * The Contacts page: pairing requests to approve or deny, agent questions waiting for an answer,
 * and every contact with its access and permission preset, editable. Each form posts to the
 * server; htmx swaps the page's main block in place (without JS the browser follows a redirect).
 */
import type { PairingRequest } from "../../gateway/policy/index.js";
import type { ContactView, PendingAsk } from "../data.js";
import { type Dict, wordFor } from "../i18n.js";
import { conversationHref, fmtTime, Layout, type PageEnv } from "../layout.js";

export interface Flash {
  kind: "ok" | "bad";
  text: string;
}

export interface ContactsData {
  contacts: ContactView[];
  pairing: PairingRequest[];
  /** Undefined: no gateway in this process, so questions cannot be listed. */
  asks: PendingAsk[] | undefined;
  presets: readonly string[];
  nowMs: number;
}

/** htmx: post, then take `#contacts-main` out of the answer and put it in place of ours. */
const SWAP = {
  "hx-target": "#contacts-main",
  "hx-select": "#contacts-main",
  "hx-swap": "outerHTML",
} as const;

function Who(props: { name?: string | undefined; userId: string; accountId: string }) {
  return (
    <div class="who">
      <a class="nm" href={conversationHref(props.accountId, props.userId)}>
        {props.name ?? props.userId}
      </a>
      {props.name ? <span class="uid">{props.userId}</span> : null}
    </div>
  );
}

function PairingSection(props: { data: ContactsData; t: Dict }) {
  const { t, data } = props;
  return (
    <section class="card" id="pairing">
      <h2>
        {t.pairingTitle} <span class="badge plain">{String(data.pairing.length)}</span>
      </h2>
      <div class="sub">{t.pairingSub}</div>
      {data.pairing.length === 0 ? (
        <div class="empty">{t.pairingNone}</div>
      ) : (
        <table>
          <thead>
            <tr>
              <th>{t.pairingCode}</th>
              <th>{t.contact}</th>
              <th>{t.account}</th>
              <th>{t.pairingRequested}</th>
              <th>{t.pairingExpires}</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {data.pairing.map((r) => (
              <tr data-pairing={r.code}>
                <td>
                  <span class="code-pill">{r.code}</span>
                </td>
                <td>
                  <Who name={r.name} userId={r.userId} accountId={r.accountId} />
                </td>
                <td class="mono">{r.accountId}</td>
                <td>{fmtTime(r.requestedAtMs, t)}</td>
                <td>
                  {r.expired ? <span class="badge warn">{t.pairingExpired}</span> : fmtTime(r.expiresAtMs, t)}
                </td>
                <td>
                  <form class="inline" method="post" action="/pairing" hx-post="/pairing" {...SWAP}>
                    <input type="hidden" name="code" value={r.code} />
                    <input type="hidden" name="account" value={r.accountId} />
                    {r.expired ? null : (
                      <button class="btn small" type="submit" name="decision" value="approve">
                        {t.approve}
                      </button>
                    )}
                    <button class="btn small danger" type="submit" name="decision" value="deny">
                      {t.deny}
                    </button>
                  </form>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function AsksSection(props: { asks: PendingAsk[] | undefined; t: Dict }) {
  const { t, asks } = props;
  return (
    <section class="card" id="asks">
      <h2>{t.asksTitle}</h2>
      <div class="sub">{t.asksSub}</div>
      {asks === undefined ? (
        <div class="empty">{t.asksNotRunning}</div>
      ) : asks.length === 0 ? (
        <div class="empty">{t.asksNone}</div>
      ) : (
        <table>
          <tbody>
            {asks.map((a) => (
              <tr>
                <td>
                  <Who userId={a.userId} accountId={a.accountId} />
                </td>
                <td class="bubble">
                  {a.undelivered ? <span class="badge warn">{t.asksUndelivered}</span> : null}
                  {a.question}
                </td>
                <td class="sub">{fmtTime(a.askedAtMs, t)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function AccessBadge(props: { c: ContactView; t: Dict }) {
  const { c, t } = props;
  if (c.isOwner) return <span class="badge ok">{t.accessOwner}</span>;
  const cls =
    c.access === "allowed" ? "ok" : c.access === "blocked" ? "bad" : c.access === "pending" ? "warn" : "";
  const label =
    c.access === "none" ? `${t.access_none} (${wordFor(t, "policy_", c.dmPolicy)})` : t[`access_${c.access}`];
  return <span class={`badge ${cls}`}>{label}</span>;
}

function ContactRow(props: { c: ContactView; t: Dict; presets: readonly string[] }) {
  const { c, t } = props;
  const formId = `edit-${c.accountId}-${c.userId}`;
  const access = c.access === "pending" ? "none" : c.access;
  return (
    <tr data-contact={c.userId}>
      <td>
        <Who name={c.name} userId={c.userId} accountId={c.accountId} />
      </td>
      <td class="mono">{c.accountId}</td>
      <td>
        <AccessBadge c={c} t={t} />
      </td>
      <td>
        <form
          class="inline"
          method="post"
          action="/contacts/edit"
          hx-post="/contacts/edit"
          {...SWAP}
          id={formId}
        >
          <input type="hidden" name="account" value={c.accountId} />
          <input type="hidden" name="user" value={c.userId} />
          <select name="access" aria-label={t.access}>
            {(["none", "allowed", "blocked"] as const).map((a) => (
              <option value={a} selected={a === access}>
                {a === "none" ? t.access_none : t[`access_${a}`]}
              </option>
            ))}
          </select>
          <select name="preset" aria-label={t.preset}>
            <option value="" selected={c.preset === undefined}>
              {c.defaultPreset ? `${t.presetDefault} (${c.defaultPreset})` : t.presetDefault}
            </option>
            {props.presets.map((p) => (
              <option value={p} selected={p === c.preset}>
                {p}
              </option>
            ))}
          </select>
          <button class="btn small ghost" type="submit">
            {t.save}
          </button>
        </form>
      </td>
      <td class="sub">{fmtTime(c.lastSeenAtMs, t)}</td>
      <td>
        <a href={conversationHref(c.accountId, c.userId)}>{t.history}</a>
      </td>
    </tr>
  );
}

export function ContactsMain(props: { data: ContactsData; t: Dict; flash?: Flash | undefined }) {
  const { data, t, flash } = props;
  return (
    <div id="contacts-main">
      {flash ? (
        <div class={`flash ${flash.kind}`} id="flash" role="status">
          {flash.text}
        </div>
      ) : null}
      <PairingSection data={data} t={t} />
      {data.asks === undefined ? null : <AsksSection asks={data.asks} t={t} />}
      <section class="card" id="contacts">
        <h2>{t.contactsTitle}</h2>
        {data.contacts.length === 0 ? (
          <div class="empty">{t.contactsNone}</div>
        ) : (
          <table>
            <thead>
              <tr>
                <th>{t.contact}</th>
                <th>{t.account}</th>
                <th>{t.access}</th>
                <th>{t.change}</th>
                <th>{t.lastSeen}</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {data.contacts.map((c) => (
                <ContactRow c={c} t={t} presets={data.presets} />
              ))}
            </tbody>
          </table>
        )}
      </section>
    </div>
  );
}

export function ContactsPage(props: { env: PageEnv; data: ContactsData; flash?: Flash | undefined }) {
  const { t } = props.env;
  return (
    <Layout env={props.env} title={t.navContacts} sub={t.contactsSub} active="contacts">
      <ContactsMain data={props.data} t={t} flash={props.flash} />
    </Layout>
  );
}
