/**
 * One contact's conversation (the `recent_messages` operation): bubbles oldest first, images
 * previewed through `/media/:id/:item`, other media as cards, the state of every bot message.
 */
import type { MediaDescription, MessageView } from "../../ops/format.js";
import type { ContactView } from "../data.js";
import type { Dict } from "../i18n.js";
import { conversationHref, fmtBytes, fmtTime, initial, Layout, type PageEnv } from "../layout.js";

function mediaHref(m: MessageView, media: MediaDescription): string {
  return `/media/${m.id}/${media.item_index}`;
}

function kindLabel(kind: MediaDescription["kind"], t: Dict): string {
  return kind === "image" ? t.image : kind === "video" ? t.video : kind === "voice" ? t.voice : t.file;
}

function Media(props: { m: MessageView; media: MediaDescription; t: Dict }) {
  const { m, media, t } = props;
  if (media.kind === "image" && m.direction === "in") {
    return (
      <a href={mediaHref(m, media)} target="_blank" rel="noopener">
        <img class="media-img" src={mediaHref(m, media)} alt={t.imageAlt} loading="lazy" />
      </a>
    );
  }
  if (media.kind === "voice") return <VoiceNote m={m} media={media} t={t} />;
  const ext = (media.name?.split(".").pop() ?? kindLabel(media.kind, t)).slice(0, 4).toUpperCase();
  const card = (
    <div class="file-card" data-media={media.kind}>
      <span class="fi">{ext}</span>
      <span>
        <div class="fn">{media.name ?? kindLabel(media.kind, t)}</div>
        <div class="fs">
          {kindLabel(media.kind, t)}
          {media.size_bytes !== undefined ? ` · ${fmtBytes(media.size_bytes)}` : ""}
        </div>
      </span>
    </div>
  );
  return m.direction === "in" ? (
    <a href={`${mediaHref(m, media)}?download=1`} class="plain-link">
      {card}
    </a>
  ) : (
    card
  );
}

/** The three arcs WeChat draws in a voice bubble (an emoji may have no font). */
const VoiceIcon = () => (
  <svg
    class="voice-icon"
    viewBox="0 0 24 24"
    width="18"
    height="18"
    fill="none"
    stroke="currentColor"
    stroke-width="2"
    aria-hidden="true"
  >
    <path d="M6 12h.01M10 8.5a5 5 0 0 1 0 7M14 5.5a9.5 9.5 0 0 1 0 13" stroke-linecap="round" />
  </svg>
);

/**
 * A voice message as WeChat shows it: a bar with its length, the transcript under it when WeChat
 * made one. The bar downloads the audio when there is any (the page has no player).
 */
function VoiceNote(props: { m: MessageView; media: MediaDescription; t: Dict }) {
  const { m, media, t } = props;
  const secs = media.duration_ms ? Math.max(1, Math.round(media.duration_ms / 1000)) : undefined;
  const bar = (
    <div class="voice-note" data-media="voice" title={t.voice}>
      <VoiceIcon />
      <span>{secs === undefined ? t.voice : `${secs}″`}</span>
    </div>
  );
  return (
    <div class="voice-wrap">
      {media.downloadable === false || m.direction !== "in" ? (
        bar
      ) : (
        <a href={`${mediaHref(m, media)}?download=1`} class="plain-link">
          {bar}
        </a>
      )}
      {media.transcript ? <div class="voice-text">{media.transcript}</div> : null}
    </div>
  );
}

/** The text of a message without the "[voice] …" line its voice bubble already shows. */
function textBesideMedia(m: MessageView): string {
  const shown = new Set(m.media.filter((x) => x.transcript).map((x) => `[voice] ${x.transcript}`));
  return m.text
    .split("\n")
    .filter((line) => !shown.has(line))
    .join("\n");
}

const OUT_STATES = ["pending", "sent", "failed", "deferred"] as const;

function outStateLabel(state: string, t: Dict): string {
  const known = OUT_STATES.find((s) => s === state);
  return known ? t[`outState_${known}`] : state;
}

function Bubble(props: { m: MessageView; contact: ContactView | undefined; t: Dict }) {
  const { m, t } = props;
  const who = m.direction === "in" ? (props.contact?.name ?? m.contact) : "Bot";
  const stateCls =
    m.state === "sent" ? "ok" : m.state === "failed" ? "bad" : m.state === "deferred" ? "warn" : "";
  return (
    <div class={`msg ${m.direction}`} data-message={String(m.id)} data-direction={m.direction}>
      <div class="av">{initial(who)}</div>
      <div class="body">
        {textBesideMedia(m) ? <div class="bubble">{textBesideMedia(m)}</div> : null}
        {m.media.map((media) => (
          <Media m={m} media={media} t={t} />
        ))}
        <div class="meta">
          {fmtTime(m.at_ms, t)}
          {m.state ? (
            <>
              {" · "}
              <span class={`badge plain ${stateCls}`} data-state={m.state}>
                {outStateLabel(m.state, t)}
              </span>
            </>
          ) : null}
          {m.note ? ` · ${m.note}` : null}
        </div>
      </div>
    </div>
  );
}

export function ConversationPage(props: {
  env: PageEnv;
  accountId: string;
  userId: string;
  contact: ContactView | undefined;
  messages: MessageView[];
}) {
  const { t } = props.env;
  const title = props.contact?.name ?? props.userId;
  let lastDay = "";
  return (
    <Layout
      env={props.env}
      title={title}
      sub={`${props.userId} · ${props.accountId}`}
      active="contacts"
      actions={
        <a class="btn ghost" href="/contacts">
          {t.back}
        </a>
      }
    >
      <section
        class="card chat"
        id="conversation"
        hx-get={conversationHref(props.accountId, props.userId)}
        hx-trigger="every 5s"
        hx-select="#conversation"
        hx-swap="outerHTML"
      >
        {props.messages.length === 0 ? <div class="empty">{t.convNone}</div> : null}
        {props.messages.map((m) => {
          const day = fmtTime(m.at_ms, t).slice(0, 10);
          const sep = day !== lastDay ? <div class="day">{day}</div> : null;
          lastDay = day;
          return (
            <>
              {sep}
              <Bubble m={m} contact={props.contact} t={t} />
            </>
          );
        })}
      </section>
    </Layout>
  );
}
