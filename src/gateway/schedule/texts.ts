/**
 * What a contact reads about their scheduled messages, in English and Simplified Chinese. Which
 * one: the configured language, or (`auto`) the language of the contact's latest message (CJK
 * → zh-CN), since WeChat tells us nothing else about a person's language. Times are shown in the
 * job's zone: "08:00" today, "tomorrow 08:00", else with the date.
 */
import { hasCjk } from "../delivery/markdown.js";
import { wallParts, zoneOffsetMs } from "./timing.js";

export type ScheduleLanguage = "en" | "zh-CN";
export type LanguageSetting = ScheduleLanguage | "auto";

export function pickLanguage(setting: LanguageSetting, latestText: string | undefined): ScheduleLanguage {
  if (setting !== "auto") return setting;
  return latestText !== undefined && hasCjk(latestText) ? "zh-CN" : "en";
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

export interface ContactTexts {
  /** The first line of a firing that arrives on time. */
  onTime(body: string): string;
  /** A firing that waited in the outbox: marked with the time it was due. */
  held(body: string, when: string): string;
  /** Before the contact's window closes while jobs would fire after it. */
  windowWarning(jobs: number, nextWhen: string): string;
  /** Firings missed by more than the grace while the gateway was down. */
  missed(count: number, lastWhen: string, preview: string): string;
  /** A prompt job's agent turn failed. */
  failed(jobId: number, when: string, why: string): string;
}

const en: ContactTexts = {
  onTime: (body) => `⏰ ${body}`,
  held: (body, when) => `⏰ (due ${when}; held until you wrote again)\n${body}`,
  windowWarning: (jobs, nextWhen) =>
    `⏰ ${jobs === 1 ? "Your scheduled message needs" : `Your ${jobs} scheduled messages need`} you to write to me once a day (WeChat lets a bot write only within 24 h of your last message). The next one is ${nextWhen}. Reply anything to keep ${jobs === 1 ? "it" : "them"} coming.`,
  missed: (count, lastWhen, preview) =>
    `⏰ I was offline and missed ${count === 1 ? "a scheduled message" : `${count} scheduled messages`} (the last was due ${lastWhen}): ${preview}`,
  failed: (jobId, when, why) => `⏰ Scheduled job #${jobId} (${when}) could not run: ${why}`,
};

const zhCN: ContactTexts = {
  onTime: (body) => `⏰ ${body}`,
  held: (body, when) => `⏰（原定 ${when}，等你再发消息后才送达）\n${body}`,
  windowWarning: (jobs, nextWhen) =>
    `⏰ 你有 ${jobs} 条定时消息，需要你每天给我发一次消息才能送达（微信只允许机器人在你最后一条消息后的 24 小时内回复）。下一条在 ${nextWhen}。回复任意内容即可继续收到。`,
  missed: (count, lastWhen, preview) =>
    `⏰ 我离线期间错过了 ${count} 条定时消息（最近一条原定 ${lastWhen}）：${preview}`,
  failed: (jobId, when, why) => `⏰ 定时任务 #${jobId}（${when}）未能运行：${why}`,
};

export function textsFor(lang: ScheduleLanguage): ContactTexts {
  return lang === "zh-CN" ? zhCN : en;
}

/** A job's body for a note: one line, at most `max` characters. */
export function preview(body: string, max = 80): string {
  const line = body.replace(/\s+/g, " ").trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
