/**
 * `/api/docs`: a small "try it" page, one plain form per operation, styled like the admin UI and
 * in its language (Accept-Language). Inside the admin UI it has the admin's sidebar (the way
 * back) and the session carries the token; served alone (`wxagent mcp --http`) it asks for the
 * token once and keeps it in the tab's sessionStorage. No inline script or style, so the page
 * runs under the same Content-Security-Policy as the admin pages; generated from the same
 * operation list as the OpenAPI document.
 */
import type { Op } from "../ops/define.js";
import { opWords } from "./api-docs-zh.js";
import { type Dict, dict, type Locale } from "./i18n.js";
import { CodeText, DOCTYPE, Layout } from "./layout.js";
import { inputJsonSchema, pathParams } from "./openapi.js";

/** An example input: the required fields with empty values, for the person to fill in. */
export function exampleInput(op: Op): Record<string, unknown> {
  const schema = inputJsonSchema(op);
  const props = (schema.properties ?? {}) as Record<string, { type?: string; default?: unknown }>;
  const required = new Set((schema.required as string[] | undefined) ?? []);
  const out: Record<string, unknown> = {};
  for (const [name, s] of Object.entries(props)) {
    if (!required.has(name) || s.default !== undefined) continue;
    out[name] = s.type === "integer" || s.type === "number" ? 0 : s.type === "boolean" ? false : "";
  }
  return out;
}

function OpForm(props: { op: Op; t: Dict; locale: Locale }) {
  const { op, t } = props;
  const example = JSON.stringify(exampleInput(op), null, 2);
  const words = opWords(op, props.locale);
  return (
    <section class="card api-op" data-op={op.name}>
      <h2>
        {words.title} <code>{`${op.rest.method} /api${op.rest.path}`}</code>
      </h2>
      <p class="sub">{words.description}</p>
      <form
        data-method={op.rest.method}
        data-path={`/api${op.rest.path}`}
        data-params={pathParams(op.rest.path).join(",")}
      >
        <textarea name="input" rows={Math.min(8, example.split("\n").length + 1)} spellcheck={false}>
          {example}
        </textarea>
        <div>
          <button type="submit" class="btn small">
            {t.apiSend}
          </button>
        </div>
        <pre class="out" />
      </form>
    </section>
  );
}

export interface DocsPageOptions {
  locale: Locale;
  /** Mounted in the admin UI: its sidebar and session (no token field). */
  inAdmin: boolean;
}

export function docsPage(ops: readonly Op[], options: DocsPageOptions) {
  const t = dict(options.locale);
  const body = (
    <div
      id="api-docs"
      data-not-json={t.apiNotJson}
      data-failed={t.apiFailed}
      data-shown-above={t.apiShownAbove}
    >
      <section class="card">
        <p>
          {t.apiMachine} <a href="/api/openapi.json">/api/openapi.json</a> (OpenAPI 3.1)
        </p>
        {options.inAdmin ? null : (
          <label class="token">
            <CodeText text={t.apiToken} /> <input id="token" type="password" autocomplete="off" />
          </label>
        )}
      </section>
      {ops.map((op) => (
        <OpForm op={op} t={t} locale={options.locale} />
      ))}
    </div>
  );
  const back = (
    <a class="btn ghost" href="/" id="back-to-admin">
      {`← ${t.apiBack}`}
    </a>
  );
  return options.inAdmin ? (
    <Layout env={{ t, locale: options.locale }} title={t.apiTitle} sub={t.apiSub} active="api" actions={back}>
      {body}
      <script src="/api/docs.js" defer />
    </Layout>
  ) : (
    <>
      {DOCTYPE}
      <html lang={options.locale}>
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <title>{`${t.apiTitle} · wxagent`}</title>
          <link rel="stylesheet" href="/api/docs.css" />
        </head>
        <body>
          <main class="main">
            <header>
              <div>
                <h1>{t.apiTitle}</h1>
                <div class="sub">{t.apiSub}</div>
              </div>
            </header>
            {body}
          </main>
          <script src="/api/docs.js" defer />
        </body>
      </html>
    </>
  );
}

/** The page's script: each form sends its JSON to its route and shows the answer. */
export const DOCS_SCRIPT = `
const root = document.getElementById("api-docs");
const tokenInput = document.getElementById("token");
if (tokenInput) {
  tokenInput.value = sessionStorage.getItem("wxagent-token") || "";
  tokenInput.addEventListener("change", () => sessionStorage.setItem("wxagent-token", tokenInput.value.trim()));
}
for (const f of document.querySelectorAll("form[data-path]")) {
  f.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const out = f.querySelector(".out");
    let input;
    try { input = JSON.parse(f.input.value || "{}"); } catch (e) { out.textContent = root.dataset.notJson + " " + e.message; return; }
    let path = f.dataset.path;
    for (const p of f.dataset.params.split(",").filter(Boolean)) {
      path = path.replace(":" + p, encodeURIComponent(input[p] ?? ""));
      delete input[p];
    }
    const init = { method: f.dataset.method, headers: {} };
    if (tokenInput) init.headers.Authorization = "Bearer " + tokenInput.value.trim();
    if (f.dataset.method === "GET") {
      const q = new URLSearchParams(Object.entries(input).map(([k, v]) => [k, String(v)]));
      if ([...q].length) path += "?" + q;
    } else {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(input);
    }
    out.textContent = "…";
    try {
      const res = await fetch(path, init);
      const body = await res.json();
      if (body.image && body.image.data_url) {
        out.replaceChildren();
        const img = document.createElement("img");
        img.src = body.image.data_url; img.width = 240; img.alt = "QR code";
        out.append(img, document.createTextNode("\\n" + res.status + " " + JSON.stringify({ ...body, image: root.dataset.shownAbove }, null, 2)));
      } else {
        out.textContent = res.status + " " + JSON.stringify(body, null, 2);
      }
    } catch (e) { out.textContent = root.dataset.failed + " " + e.message; }
  });
}`;
