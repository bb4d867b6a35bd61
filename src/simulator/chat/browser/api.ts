/** The page's two ways of talking: the control API (`/sim/...`) and a toast for what went wrong. */
import { el } from "./dom.js";

/** Calls the control API: the parsed JSON body, or an Error with the simulator's message. */
export function api(method: string, path: string, body?: unknown): Promise<unknown> {
  return fetch(path, {
    method,
    headers: body ? { "content-type": "application/json" } : {},
    body: body ? JSON.stringify(body) : undefined,
  }).then((res) =>
    res.text().then((text) => {
      let data: Record<string, unknown> | null = null;
      try {
        data = text ? (JSON.parse(text) as Record<string, unknown>) : null;
      } catch {
        data = { error: text };
      }
      if (!res.ok) {
        const said = data && (data.error || data.errmsg || data.message);
        throw new Error((said as string) || `${res.status} ${res.statusText}`);
      }
      return data;
    }),
  );
}

/** The message of whatever a promise was rejected with. */
export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

let toastTimer = 0;
/** Shows a line at the bottom of the page for four seconds. */
export function toast(text: string): void {
  const n = document.getElementById("toast") || document.body.appendChild(el("div", "toast"));
  n.id = "toast";
  n.textContent = text;
  n.classList.remove("hidden");
  clearTimeout(toastTimer);
  toastTimer = window.setTimeout(() => n.classList.add("hidden"), 4000);
}
