/**
 * What a contact reads about their scheduled messages, in English and Simplified Chinese. Which
 * one: the account's language (as every text the gateway sends), or, with `schedule.language:
 * "contact"`, that of the contact's latest message (CJK → zh-CN), or a fixed one. Times are shown
 * in the job's zone: "08:00" today, "tomorrow 08:00", else with the date.
 */
import { defineCatalogue, type Lang, text, type Words, wordsFor } from "../../shared/i18n.js";
import { hasCjk } from "../delivery/markdown.js";
import { wallParts, zoneOffsetMs } from "./timing.js";

export type ScheduleLanguage = Lang;
/** `account`: the account's language (its profile, like every gateway text); `contact`: the contact's latest message's. */
export type LanguageSetting = Lang | "account" | "contact";

export function pickLanguage(
  setting: LanguageSetting,
  latestText: string | undefined,
  accountLang: Lang = "en",
): ScheduleLanguage {
  if (setting === "account") return accountLang;
  if (setting !== "contact") return setting;
  return latestText === undefined ? accountLang : hasCjk(latestText) ? "zh-CN" : "en";
}

const WEEKDAYS: Record<ScheduleLanguage, string[]> = {
  en: ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"],
  "zh-CN": ["周日", "周一", "周二", "周三", "周四", "周五", "周六"],
};

/** `08:00`, `tomorrow 08:00` / `明天 08:00`, or `Tue 5 May 08:00` / `5月5日 周二 08:00`, in `tz`. */
export function formatWhen(ms: number, tz: string, nowMs: number, lang: ScheduleLanguage): string {
  const shifted = new Date(ms + zoneOffsetMs(ms, tz));
  const hhmm = `${String(shifted.getUTCHours()).padStart(2, "0")}:${String(shifted.getUTCMinutes()).padStart(2, "0")}`;
  const day = wallParts(ms, tz);
  const today = wallParts(nowMs, tz);
  const tomorrow = wallParts(nowMs + 86_400_000, tz);
  const yesterday = wallParts(nowMs - 86_400_000, tz);
  const same = (a: typeof day, b: typeof day) => a.y === b.y && a.mo === b.mo && a.d === b.d;
  const zh = lang === "zh-CN";
  if (same(day, today)) return zh ? `今天 ${hhmm}` : hhmm;
  if (same(day, tomorrow)) return zh ? `明天 ${hhmm}` : `tomorrow ${hhmm}`;
  if (same(day, yesterday)) return zh ? `昨天 ${hhmm}` : `yesterday ${hhmm}`;
  const wd = WEEKDAYS[lang][shifted.getUTCDay()] as string;
  if (zh) return `${day.mo}月${day.d}日 ${wd} ${hhmm}`;
  const month = new Date(Date.UTC(2000, day.mo - 1, 1)).toLocaleString("en-US", {
    month: "short",
    timeZone: "UTC",
  });
  return `${wd} ${day.d} ${month} ${hhmm}`;
}

/** What a contact reads about their scheduled messages (both languages side by side). */
export const SCHEDULE_TEXTS = defineCatalogue({
  /** A firing that waited in the outbox: marked with the time it was due. */
  held: text<{ body: string; when: string }>({
    en: (p) => `⏰ (due ${p.when}; held until you wrote again)\n${p.body}`,
    "zh-CN": (p) => `⏰（原定 ${p.when}，等你再发消息后才送达）\n${p.body}`,
  }),
  /** Before the contact's window closes while jobs would fire after it. */
  windowWarning: text<{ jobs: number; next: string }>({
    en: (p) =>
      `⏰ ${p.jobs === 1 ? "Your scheduled message needs" : `Your ${p.jobs} scheduled messages need`} you to write to me once a day (WeChat lets a bot write only within 24 h of your last message). The next one is ${p.next}. Reply anything to keep ${p.jobs === 1 ? "it" : "them"} coming.`,
    "zh-CN": (p) =>
      `⏰ 你有 ${p.jobs} 条定时消息，需要你每天给我发一次消息才能送达（微信只允许机器人在你最后一条消息后的 24 小时内回复）。下一条在 ${p.next}。回复任意内容即可继续收到。`,
  }),
  /** Firings missed by more than the grace while the gateway was down. */
  missed: text<{ count: number; last: string; preview: string }>({
    en: (p) =>
      `⏰ I was offline and missed ${p.count === 1 ? "a scheduled message" : `${p.count} scheduled messages`} (the last was due ${p.last}): ${p.preview}`,
    "zh-CN": (p) => `⏰ 我离线期间错过了 ${p.count} 条定时消息（最近一条原定 ${p.last}）：${p.preview}`,
  }),
  /** A prompt job's agent turn failed. */
  failed: text<{ job: number; when: string; why: string }>({
    en: (p) => `⏰ Scheduled job #${p.job} (${p.when}) could not run: ${p.why}`,
    "zh-CN": (p) => `⏰ 定时任务 #${p.job}（${p.when}）未能运行：${p.why}`,
  }),
});

/** A firing that arrives on time: the same in every language. */
const onTime = (p: { body: string }) => `⏰ ${p.body}`;

export type ContactTexts = Words<typeof SCHEDULE_TEXTS> & { onTime: typeof onTime };

export function textsFor(lang: ScheduleLanguage): ContactTexts {
  return { ...wordsFor(SCHEDULE_TEXTS, lang), onTime };
}

/** A job's body for a note: one line, at most `max` characters. */
export function preview(body: string, max = 80): string {
  const line = body.replace(/\s+/g, " ").trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
