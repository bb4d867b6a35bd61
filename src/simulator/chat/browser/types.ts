/**
 * What the chat page's browser code shares: the JSON of the control API (`/sim/...`) as the page
 * reads it, the dictionary of its words, and the contexts its parts hand each other.
 */
import type { Messages } from "../i18n.js";

export type { Locale, Messages } from "../i18n.js";

/** An item of `GET /sim/messages` (src/simulator/state.ts ItemDescription, as JSON). */
export interface Item {
  type: string;
  text?: string;
  name?: string;
  sha256?: string;
  size?: number;
  mime?: string;
  transcript?: string;
  playtime_ms?: number;
  media_param?: string;
  error?: string;
  tool_name?: string;
  status?: string;
  item_type?: number | null;
}

/** A message of `GET /sim/messages` and of the `message.*` events; `conv` is the page's own. */
export interface Message {
  message_id: string;
  direction: "inbound" | "outbound";
  account_id: string;
  from: string;
  to: string;
  context_token?: string | null;
  group_id?: string | null;
  items?: Item[];
  create_time_ms: number;
  quote?: string | null;
  /** the conversation the page files it under: `d:<user>` or `g:<group>` */
  conv?: string;
}

export interface User {
  user_id: string;
  name?: string;
}

export interface Account {
  account_id: string;
  name?: string;
  owner_user_id?: string;
  state?: string;
}

export interface QrCode {
  qrcode: string;
  status: string;
  account_id?: string | null;
  user_id?: string | null;
  verify_code?: string | null;
}

/** The data of an event of `GET /sim/events`: each type has its own fields. */
export type EventData = Record<string, unknown>;

/** Calls the control API: the parsed JSON body, or an Error with the simulator's message. */
export type Api = (method: string, path: string, body?: unknown) => Promise<unknown>;

/** The page's state, one object shared by the app and the composer. */
export interface ChatState {
  accounts: Account[];
  users: Record<string, User>;
  me: string | null;
  accountId: string | null;
  messages: Message[];
  byId: Record<string, Message>;
  tokenConv: Record<string, string>;
  active: string | null;
  typing: string | null;
  typingTimer: number;
  quote: Message | null;
  localMedia: Record<string, string>;
  groups: Record<string, { name: string }>;
  seen: Record<string, boolean>;
  stick?: boolean;
}

/** The JSON the server embeds in `<script id="wx-boot">` (page.tsx). */
export interface Boot {
  locale: "en" | "zh-CN" | null;
  dictionaries: Record<"en" | "zh-CN", Messages>;
}
