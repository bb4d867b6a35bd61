/**
 * `/api/docs`: a small "try it" page, one plain form per operation. The token is typed once and
 * kept in the tab's sessionStorage; every call sends it as a bearer header. No build step, no
 * framework: the page is generated from the same operation list as the OpenAPI document.
 */
import type { Op } from "../ops/define.js";
import { inputJsonSchema, pathParams } from "./openapi.js";

const esc = (s: string): string =>
  s.replace(
    /[&<>"']/g,
    (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[ch] ?? ch,
  );

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

function form(op: Op): string {
  const example = JSON.stringify(exampleInput(op), null, 2);
  return `<section>
  <h2>${esc(op.title)} <code>${op.rest.method} /api${esc(op.rest.path)}</code></h2>
  <p>${esc(op.description)}</p>
  <form data-method="${op.rest.method}" data-path="/api${esc(op.rest.path)}" data-params="${esc(pathParams(op.rest.path).join(","))}">
    <textarea name="input" rows="${Math.min(8, example.split("\n").length + 1)}" spellcheck="false">${esc(example)}</textarea>
    <button type="submit">Send</button>
    <pre class="out"></pre>
  </form>
</section>`;
}

const SCRIPT = `
const tokenInput = document.getElementById("token");
tokenInput.value = sessionStorage.getItem("wxagent-token") || "";
tokenInput.addEventListener("change", () => sessionStorage.setItem("wxagent-token", tokenInput.value.trim()));
for (const f of document.querySelectorAll("form[data-path]")) {
  f.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const out = f.querySelector(".out");
    let input;
    try { input = JSON.parse(f.input.value || "{}"); } catch (e) { out.textContent = "not JSON: " + e.message; return; }
    let path = f.dataset.path;
    for (const p of f.dataset.params.split(",").filter(Boolean)) {
      path = path.replace(":" + p, encodeURIComponent(input[p] ?? ""));
      delete input[p];
    }
    const init = { method: f.dataset.method, headers: { Authorization: "Bearer " + tokenInput.value.trim() } };
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
        out.innerHTML = "";
        const img = document.createElement("img");
        img.src = body.image.data_url; img.width = 240; img.alt = "QR code";
        out.append(img, document.createTextNode("\\n" + res.status + " " + JSON.stringify({ ...body, image: "(shown above)" }, null, 2)));
      } else {
        out.textContent = res.status + " " + JSON.stringify(body, null, 2);
      }
    } catch (e) { out.textContent = "request failed: " + e.message; }
  });
}`;

export function docsPage(ops: readonly Op[]): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>wxagent REST API</title><link rel="icon" type="image/svg+xml" href="/static/favicon.svg">
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:15px/1.45 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1b1b1b}
section{border-top:1px solid #ddd;padding:.5rem 0 1rem}
h2{font-size:1.05rem}code{background:#f3f3f3;padding:0 .3em;border-radius:3px;font-size:.85em}
textarea{width:100%;font:13px ui-monospace,monospace}pre.out{background:#f7f7f7;padding:.5rem;white-space:pre-wrap;max-height:24rem;overflow:auto}
label{display:block;margin:1rem 0}input#token{width:30rem;max-width:100%}
</style></head><body>
<h1>wxagent REST API</h1>
<p>The same operations as the MCP server. Machine-readable: <a href="/api/openapi.json">/api/openapi.json</a> (OpenAPI 3.1).</p>
<label>Token (from <code>&lt;WXAGENT_HOME&gt;/admin-token</code>): <input id="token" type="password" autocomplete="off"></label>
${ops.map(form).join("\n")}
<script>${SCRIPT}</script>
</body></html>`;
}
