/**
 * The simulator side panel: realism settings (POST /sim/config) and injected faults (POST and
 * DELETE /sim/faults). The form fields are named after the config's keys, so a field maps to the
 * patch by name; `throttle.max_sends` style names build nested objects.
 */
import { errorText } from "./api.js";
import { byId } from "./dom.js";
import type { Api, Messages } from "./types.js";

export interface PanelContext {
  api: Api;
  t: Messages;
  accountId(): string | null;
}

type Json = { [key: string]: unknown };

/** The named inputs and selects of a form. */
function fields(form: HTMLFormElement): (HTMLInputElement | HTMLSelectElement)[] {
  return Array.from(form.elements).filter(
    (n): n is HTMLInputElement | HTMLSelectElement =>
      n instanceof HTMLInputElement || n instanceof HTMLSelectElement,
  );
}

function field(form: HTMLFormElement, name: string): HTMLInputElement | HTMLSelectElement {
  const n = form.elements.namedItem(name);
  if (!(n instanceof HTMLInputElement || n instanceof HTMLSelectElement)) {
    throw new Error(`chat page: no field ${name}`);
  }
  return n;
}

function isChecked(input: HTMLInputElement | HTMLSelectElement): input is HTMLInputElement {
  return input instanceof HTMLInputElement && input.type === "checkbox";
}

export function initPanel(ctx: PanelContext): void {
  const t = ctx.t;
  const panel = byId("panel");
  const configForm = byId<HTMLFormElement>("config-form");
  const faultForm = byId<HTMLFormElement>("fault-form");

  byId("panel-btn").onclick = () => {
    panel.classList.toggle("hidden");
    byId("panel-btn").classList.toggle("active", !panel.classList.contains("hidden"));
    if (!panel.classList.contains("hidden")) prefill();
  };

  function note(id: string, text: string, ok: boolean): void {
    const n = byId(id);
    n.textContent = text;
    n.style.color = ok ? "#07c160" : "#fa5151";
  }
  function report(id: string, call: Promise<unknown>): void {
    call
      .then(() => note(id, t.saved, true))
      .catch((err: unknown) => note(id, `${t.failed}: ${errorText(err)}`, false));
  }

  // Fills the form from GET /sim/config when the simulator offers it.
  function prefill(): void {
    ctx
      .api("GET", "/sim/config")
      .then((data) => {
        const cfg = (data as { config?: Json } | null)?.config;
        if (!cfg) return;
        for (const input of fields(configForm)) {
          if (!input.name) continue;
          const value = input.name
            .split(".")
            .reduce<unknown>((o, k) => (o == null ? undefined : (o as Json)[k]), cfg);
          if (value === undefined) continue;
          if (isChecked(input)) input.checked = !!value;
          else input.value = String(value);
        }
      })
      .catch(() => {});
  }

  configForm.onsubmit = (e) => {
    e.preventDefault();
    const patch: Json = {};
    for (const input of fields(configForm)) {
      if (!input.name) continue;
      let value: boolean | number;
      if (isChecked(input)) value = input.checked;
      else if (input.value === "") continue;
      else value = Number(input.value);
      const path = input.name.split(".");
      const last = path.pop() ?? "";
      let target = patch;
      for (const key of path) {
        const next = (target[key] as Json | undefined) || {};
        target[key] = next;
        target = next;
      }
      target[last] = value;
    }
    report("config-note", ctx.api("POST", "/sim/config", patch));
  };

  faultForm.onsubmit = (e) => {
    e.preventDefault();
    const kind = field(faultForm, "kind").value;
    let body: Json = {
      endpoint: field(faultForm, "endpoint").value,
      count: Math.max(1, Number(field(faultForm, "count").value) || 1),
    };
    const value = Number(field(faultForm, "value").value);
    if (kind === "ret") body.ret = value;
    else if (kind === "status") body.status = value;
    else if (kind === "latency") body.latency_ms = Math.max(0, value);
    else if (kind === "drop") body.drop = true;
    else if (kind === "expire_token") body = { expire_token: ctx.accountId() };
    else if (kind === "redeliver") {
      body = { redeliver: { account_id: ctx.accountId(), delay_ms: Math.max(0, value) } };
    }
    report("fault-note", ctx.api("POST", "/sim/faults", body));
  };
  const DEFAULTS: Record<string, string> = {
    ret: "-2",
    status: "500",
    latency: "3000",
    drop: "",
    expire_token: "",
    redeliver: "0",
  };
  field(faultForm, "kind").onchange = (e) => {
    const kind = (e.target as HTMLSelectElement).value;
    const v = field(faultForm, "value");
    v.value = DEFAULTS[kind] ?? "";
    v.disabled = kind === "drop" || kind === "expire_token";
    field(faultForm, "endpoint").disabled = kind === "expire_token" || kind === "redeliver";
  };
  byId("clear-faults").onclick = () => report("fault-note", ctx.api("DELETE", "/sim/faults"));
}
