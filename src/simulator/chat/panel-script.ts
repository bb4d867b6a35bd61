/**
 * Browser code of the simulator side panel: realism settings (POST /sim/config) and injected
 * faults (POST and DELETE /sim/faults). The form fields are named after the config's keys, so a
 * field maps to the patch by name; `throttle.max_sends` style names build nested objects.
 * A string for the same reason as markdown-script.ts (no backticks, no dollar-brace inside).
 */
export const panelScript = `
(function (root) {
  "use strict";
  function init(ctx) {
    var $ = function (id) { return document.getElementById(id); };
    var t = ctx.t;
    var panel = $("panel");

    $("panel-btn").onclick = function () {
      panel.classList.toggle("hidden");
      $("panel-btn").classList.toggle("active", !panel.classList.contains("hidden"));
      if (!panel.classList.contains("hidden")) prefill();
    };

    function note(id, text, ok) {
      var n = $(id);
      n.textContent = text;
      n.style.color = ok ? "#07c160" : "#fa5151";
    }

    // Fills the form from GET /sim/config when the simulator offers it.
    function prefill() {
      ctx.api("GET", "/sim/config").then(function (data) {
        var cfg = data && data.config;
        if (!cfg) return;
        var form = $("config-form");
        Array.prototype.forEach.call(form.elements, function (input) {
          if (!input.name) return;
          var value = input.name.split(".").reduce(function (o, k) { return o == null ? undefined : o[k]; }, cfg);
          if (value === undefined) return;
          if (input.type === "checkbox") input.checked = !!value;
          else input.value = String(value);
        });
      }).catch(function () {});
    }

    $("config-form").onsubmit = function (e) {
      e.preventDefault();
      var patch = {};
      Array.prototype.forEach.call(e.target.elements, function (input) {
        if (!input.name) return;
        var value;
        if (input.type === "checkbox") value = input.checked;
        else if (input.value === "") return;
        else value = Number(input.value);
        var path = input.name.split(".");
        var target = patch;
        for (var i = 0; i < path.length - 1; i++) target = target[path[i]] = target[path[i]] || {};
        target[path[path.length - 1]] = value;
      });
      ctx.api("POST", "/sim/config", patch)
        .then(function () { note("config-note", t.saved, true); })
        .catch(function (err) { note("config-note", t.failed + ": " + err.message, false); });
    };

    $("fault-form").onsubmit = function (e) {
      e.preventDefault();
      var f = e.target.elements;
      var body = { endpoint: f.endpoint.value, count: Math.max(1, Number(f.count.value) || 1) };
      var value = Number(f.value.value);
      if (f.kind.value === "ret") body.ret = value;
      else if (f.kind.value === "status") body.status = value;
      else if (f.kind.value === "latency") body.latency_ms = Math.max(0, value);
      else if (f.kind.value === "drop") body.drop = true;
      else if (f.kind.value === "expire_token") body = { expire_token: ctx.accountId() };
      else if (f.kind.value === "redeliver") body = { redeliver: { account_id: ctx.accountId(), delay_ms: Math.max(0, value) } };
      ctx.api("POST", "/sim/faults", body)
        .then(function () { note("fault-note", t.saved, true); })
        .catch(function (err) { note("fault-note", t.failed + ": " + err.message, false); });
    };
    $("fault-form").elements.kind.onchange = function (e) {
      var v = $("fault-form").elements.value;
      var defaults = { ret: -2, status: 500, latency: 3000, drop: "", expire_token: "", redeliver: 0 };
      v.value = defaults[e.target.value];
      v.disabled = e.target.value === "drop" || e.target.value === "expire_token";
      $("fault-form").elements.endpoint.disabled = e.target.value === "expire_token" || e.target.value === "redeliver";
    };
    $("clear-faults").onclick = function () {
      ctx.api("DELETE", "/sim/faults")
        .then(function () { note("fault-note", t.saved, true); })
        .catch(function (err) { note("fault-note", t.failed + ": " + err.message, false); });
    };
  }
  root.wxPanel = { init: init };
})(typeof window !== "undefined" ? window : globalThis);
`;
