/**
 * Contacts routes: the list with pairing requests and pending questions, the edits (access,
 * preset, pairing decisions), one contact's conversation and its media.
 */
import type { Context, Hono } from "hono";
import { PRESET_NAMES } from "../../agent/presets.js";
import { approvePairing, denyPairing, isPolicyError, setContactAccess } from "../../gateway/policy/index.js";
import { toOpsError } from "../../ops/errors.js";
import type { MessageView } from "../../ops/format.js";
import { recentMessages } from "../../ops/messages.js";
import { contactView, contactViews, pairingRequests } from "../data.js";
import { envOf, isHtmx, type RouteDeps } from "../http.js";
import { Layout } from "../layout.js";
import { serveMedia } from "../media.js";
import { type ContactsData, ContactsPage, type Flash } from "../pages/contacts.js";
import { ConversationPage } from "../pages/conversation.js";

export function contactRoutes(app: Hono, deps: RouteDeps): void {
  const { ops, config } = deps;
  const store = ops.store;
  const contactsData = async (): Promise<ContactsData> => ({
    contacts: await contactViews(ops, config),
    pairing: await pairingRequests(ops),
    asks: deps.gateway?.pendingAsks?.(),
    presets: PRESET_NAMES,
    nowMs: ops.now(),
  });
  /**
   * After a change. htmx gets the whole page with the flash and takes `#contacts-main` out of it,
   * always with 200 (htmx does not swap an error status, and the flash is the message). A plain
   * form is redirected after a success (so a reload does not post again) and shown the page with
   * the reason after a refusal.
   */
  const afterChange = async (c: Context, flash: Flash) => {
    if (!isHtmx(c) && flash.kind === "ok") return c.redirect("/contacts", 303);
    const page = <ContactsPage env={envOf(c)} data={await contactsData()} flash={flash} />;
    return c.html(page, isHtmx(c) || flash.kind === "ok" ? 200 : 400);
  };

  app.get("/contacts", async (c) => c.html(<ContactsPage env={envOf(c)} data={await contactsData()} />));
  app.post("/pairing", async (c) => {
    const form = await c.req.parseBody();
    const { t } = envOf(c);
    const code = String(form.code ?? "");
    const account = typeof form.account === "string" && form.account !== "" ? form.account : undefined;
    const decision = form.decision === "deny" ? "deny" : "approve";
    try {
      const opts = { ...(account ? { accountId: account } : {}), nowMs: ops.now() };
      const r =
        decision === "approve"
          ? await approvePairing(store, code, opts)
          : await denyPairing(store, code, opts);
      ops.logger.info(
        { accountId: r.accountId, userId: r.userId, decision },
        "pairing decided in the admin UI",
      );
      return afterChange(c, {
        kind: "ok",
        text: `${r.name ?? r.userId}: ${decision === "approve" ? t.approved : t.denied}`,
      });
    } catch (err) {
      if (!isPolicyError(err)) throw err;
      return afterChange(c, { kind: "bad", text: err.message });
    }
  });
  app.post("/contacts/edit", async (c) => {
    const form = await c.req.parseBody();
    const { t } = envOf(c);
    const accountId = String(form.account ?? "");
    const userId = String(form.user ?? "");
    const contact = await store.contacts.get(accountId, userId);
    if (!contact) return afterChange(c, { kind: "bad", text: `${t.notFound}: ${userId}` });
    const access = String(form.access ?? "");
    const preset = String(form.preset ?? "");
    if (!["none", "allowed", "blocked"].includes(access) || (preset !== "" && !isPreset(preset))) {
      return afterChange(c, {
        kind: "bad",
        text: `access must be none/allowed/blocked, preset one of ${PRESET_NAMES.join(", ")}`,
      });
    }
    const before = contactView(config, contact, undefined);
    // "none" on a pending contact is what the form shows for it: keep its pairing code.
    if (access !== before.access && !(access === "none" && before.access === "pending")) {
      await setContactAccess(store, accountId, userId, access as "none" | "allowed" | "blocked", ops.now());
    }
    if ((before.preset ?? "") !== preset) {
      await store.contacts.update(accountId, userId, { preset: preset === "" ? undefined : preset });
    }
    ops.logger.info(
      { accountId, userId, access, preset: preset || "default" },
      "contact changed in the admin UI",
    );
    return afterChange(c, { kind: "ok", text: `${contact.name ?? userId}: ${t.saved}` });
  });
  app.get("/contacts/:account/:user", async (c) => {
    const accountId = c.req.param("account");
    const userId = c.req.param("user");
    const env = envOf(c);
    const record = await ops.store.contacts.get(accountId, userId);
    const owner = (await ops.store.accounts.get(accountId))?.ownerUserId;
    let messages: MessageView[] = [];
    try {
      const out = await recentMessages.invoke(
        ops,
        { account: accountId, contact: userId, limit: 200 },
        c.req.raw.signal,
      );
      messages = out.data.messages as MessageView[];
    } catch (err) {
      const e = toOpsError(err);
      if (e.code !== "UNKNOWN_ACCOUNT") throw e;
      return c.html(
        <Layout env={env} title={env.t.notFound} active="contacts">
          <div class="card empty">{e.message}</div>
        </Layout>,
        404,
      );
    }
    return c.html(
      <ConversationPage
        env={env}
        accountId={accountId}
        userId={userId}
        contact={record ? contactView(config, record, owner) : undefined}
        messages={messages}
      />,
    );
  });
  app.get("/media/:id/:item", (c) => serveMedia(c, ops));
}

function isPreset(name: string): boolean {
  return (PRESET_NAMES as readonly string[]).includes(name);
}
