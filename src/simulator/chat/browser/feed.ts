/** The live feed: `GET /sim/events` as an EventSource, each event handed over by name. */
import { byId } from "./dom.js";
import type { EventData, Messages } from "./types.js";

// The simulator names each event; EventSource only hands over the names it is told about.
const EVENT_NAMES = [
  "message.inbound",
  "message.outbound",
  "message.redelivered",
  "message.duplicate",
  "message.rejected",
  "typing",
  "user.created",
  "account.created",
  "account.expired",
  "fault.added",
  "fault.cleared",
  "fault.triggered",
  "realism.redelivery",
  "config",
  "qr.created",
  "qr.status",
  "qr.wrong_code",
  "updates.delivered",
];

/** Opens the feed; the live dot shows whether it is connected, `onOpen` runs on every (re)connect. */
export function connectFeed(
  t: Messages,
  onEvent: (type: string, data: EventData) => void,
  onOpen: () => void,
): EventSource {
  const es = new EventSource("/sim/events");
  const dot = byId("live-dot");
  es.onopen = () => {
    dot.classList.add("on");
    dot.title = t.connected;
    onOpen();
  };
  es.onerror = () => {
    dot.classList.remove("on");
    dot.title = t.disconnected;
  };
  function handle(e: MessageEvent<string>): void {
    let data: EventData = {};
    try {
      data = JSON.parse(e.data) as EventData;
    } catch {
      return;
    }
    // Accept both shapes: a named event with its data, or an envelope {type, data}.
    if (e.type === "message" && data && typeof data.type === "string" && data.data) {
      onEvent(data.type, data.data as EventData);
    } else onEvent(e.type, data);
  }
  es.onmessage = handle;
  for (const name of EVENT_NAMES) es.addEventListener(name, handle);
  return es;
}
