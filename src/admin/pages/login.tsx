/**
 * QR login in the browser: a form starts a login (the `login_start` operation), then a panel polls
 * `login_status` every second and shows the QR code and the state: waiting, scanned, confirmed,
 * or expired and refreshed (a new code replaces the old one), failed with the reason.
 */
import type { Dict } from "../i18n.js";
import { Icon } from "../icons.js";
import { Layout, type PageEnv } from "../layout.js";

export type LoginStatus = "waiting" | "scanned" | "confirmed" | "already_bound" | "failed" | "cancelled";

export interface LoginView {
  id: string;
  status: LoginStatus;
  message?: string;
  /** The QR code as an image URL (an SVG data URL) while the login runs. */
  qrDataUrl?: string;
  link?: string;
  qrCount: number;
  account?: string;
  replaced: string[];
}

const RUNNING = new Set<LoginStatus>(["waiting", "scanned"]);

function Steps(props: { v: LoginView; t: Dict }) {
  const { v, t } = props;
  const stage = v.status === "waiting" ? 0 : v.status === "scanned" ? 1 : v.status === "confirmed" ? 3 : -1;
  const cls = (i: number) => (stage > i ? "done" : stage === i ? "now" : undefined);
  return (
    <ol class="steps">
      <li class={cls(0)}>
        <span class="dot">{stage > 0 ? "✓" : "1"}</span>
        {t.stepWaiting}
      </li>
      <li class={cls(1)}>
        <span class="dot">{stage > 1 ? "✓" : "2"}</span>
        {t.stepScanned}
      </li>
      <li class={cls(2)}>
        <span class="dot">{stage > 2 ? "✓" : "3"}</span>
        {t.stepConfirmed}
      </li>
    </ol>
  );
}

function QrBox(props: { v: LoginView; t: Dict }) {
  const { v, t } = props;
  return (
    <div class="qr">
      {v.qrDataUrl ? (
        <img src={v.qrDataUrl} alt="QR code" id="login-qr" data-qr-count={String(v.qrCount)} />
      ) : null}
      {v.status === "scanned" ? (
        <div class="veil">
          <div>
            <Icon name="phone" size={44} class="big" />
            {t.scannedVeil}
          </div>
        </div>
      ) : null}
      {v.status === "confirmed" || v.status === "already_bound" ? (
        <div class="veil ok">
          <div>
            <Icon name="check" size={44} class="big" />
            {t.confirmedVeil}
          </div>
        </div>
      ) : null}
      {v.status === "failed" || v.status === "cancelled" ? (
        <div class="veil">
          <div>
            <Icon name="cross" size={44} class="big" />
            {t[`status_${v.status}`]}
          </div>
        </div>
      ) : null}
    </div>
  );
}

/** The live panel; polls itself while the login runs and stops once it ended. */
export function LoginPanel(props: { v: LoginView; t: Dict }) {
  const { v, t } = props;
  const running = RUNNING.has(v.status);
  return (
    <div
      id="login-panel"
      data-status={v.status}
      {...(running
        ? {
            "hx-get": `/login/${encodeURIComponent(v.id)}/panel`,
            "hx-trigger": "every 1s",
            "hx-swap": "outerHTML",
          }
        : {})}
    >
      <div class="login">
        <QrBox v={v} t={t} />
        <div>
          <Steps v={v} t={t} />
          <div class="status-line" id="login-status">
            {t[`status_${v.status}`]}
          </div>
          {v.qrCount > 1 && running ? (
            <div class="note" id="login-refreshed">
              {t.qrRefreshed} ({String(v.qrCount)})
            </div>
          ) : null}
          {v.status === "failed" && v.message ? <div class="fix">{v.message}</div> : null}
          {v.status === "confirmed" && v.account ? (
            <p>
              <span class="mono" id="login-account">
                {v.account}
              </span>{" "}
              <a class="btn small" href="/accounts">
                {t.goAccounts}
              </a>
            </p>
          ) : null}
          {v.replaced.length > 0 ? (
            <p class="sub">
              {t.replacedAccounts} {v.replaced.join(", ")}
            </p>
          ) : null}
          {running && v.link ? (
            <p class="sub">
              <a href={v.link} rel="noreferrer noopener" target="_blank">
                {t.qrOpenLink}
              </a>
            </p>
          ) : null}
        </div>
      </div>
    </div>
  );
}

export function LoginForm(props: { t: Dict; baseUrl: string; again: boolean }) {
  const { t } = props;
  return (
    <form
      class="inline"
      method="post"
      action="/login/start"
      hx-post="/login/start"
      hx-target="#login-slot"
      hx-swap="innerHTML"
    >
      <label for="base_url" class="sub">
        {t.baseUrl}
      </label>
      <input
        type="url"
        id="base_url"
        name="base_url"
        value={props.baseUrl}
        placeholder="https://ilinkai.weixin.qq.com"
        class="mono"
      />
      <button class={props.again ? "btn ghost" : "btn"} type="submit" id="login-start">
        {props.again ? t.restartLogin : t.startLogin}
      </button>
    </form>
  );
}

export function LoginPage(props: { env: PageEnv; baseUrl: string; view?: LoginView; error?: string }) {
  const { t } = props.env;
  return (
    <Layout env={props.env} title={t.loginTitle} sub={t.loginSub} active="login">
      <section class="card">
        <LoginForm t={t} baseUrl={props.baseUrl} again={props.view !== undefined} />
        <div class="hint">{t.baseUrlHint}</div>
      </section>
      <section class="card">
        <div id="login-slot">
          {props.error ? <LoginError message={props.error} /> : null}
          {props.view ? <LoginPanel v={props.view} t={t} /> : null}
        </div>
      </section>
    </Layout>
  );
}

export function LoginError(props: { message: string }) {
  return (
    <div class="flash bad" id="login-error">
      {props.message}
    </div>
  );
}
