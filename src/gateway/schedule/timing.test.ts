import { describe, expect, it } from "vitest";
import { planJob } from "./jobs.js";
import { formatWhen } from "./texts.js";
import { countCronRuns, nextCronRun, nextCronRuns, parseAt, parseDuration, zonedToUtc } from "./timing.js";

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

describe("parsing times", () => {
  it("reads durations in the forms people type and refuses the rest with the fix", () => {
    expect(parseDuration("90s")).toBe(90_000);
    expect(parseDuration("2h")).toBe(7_200_000);
    expect(parseDuration("1h30m")).toBe(5_400_000);
    expect(parseDuration("2 h")).toBe(7_200_000);
    expect(parseDuration("1d")).toBe(86_400_000);
    for (const bad of ["", "2", "h", "2 hours ago", "-1h", "0m"])
      expect(() => parseDuration(bad), bad).toThrow(/write it like 90s/);
  });

  it("reads an exact ISO time, a wall-clock date-time in the zone, and a bare time as the next one", () => {
    const now = Date.parse("2026-05-01T10:00:00Z"); // 18:00 in Shanghai
    expect(iso(parseAt("2026-05-02T09:00:00+08:00", "UTC", now))).toBe("2026-05-02T01:00:00.000Z");
    expect(iso(parseAt("2026-05-02 09:00", "Asia/Shanghai", now))).toBe("2026-05-02T01:00:00.000Z");
    // 09:00 has passed today in Shanghai: tomorrow's; 20:00 has not: today's.
    expect(iso(parseAt("09:00", "Asia/Shanghai", now))).toBe("2026-05-02T01:00:00.000Z");
    expect(iso(parseAt("20:00", "Asia/Shanghai", now))).toBe("2026-05-01T12:00:00.000Z");
    expect(() => parseAt("2026-04-30 09:00", "Asia/Shanghai", now)).toThrow(/in the past/);
    expect(() => parseAt("tomorrow-ish", "UTC", now)).toThrow(/cannot read the time/);
    expect(() => parseAt("25:00", "UTC", now)).toThrow(/cannot read the time/);
  });

  it("refuses unknown zones and malformed cron with a message naming the fix", () => {
    const base = { accountId: "a", userId: "u", text: "hi", createdBy: "operator" as const };
    expect(() => planJob({ ...base, cron: "0 8 * * *", tz: "Mars/Olympus" }, 0, 0)).toThrow(/IANA name/);
    expect(() => planJob({ ...base, cron: "0 8 * *", tz: "UTC" }, 0, 0)).toThrow(/five fields/);
    expect(() => planJob({ ...base, cron: "* * * * * *", tz: "UTC" }, 0, 0)).toThrow(/five fields/);
    expect(() => planJob({ ...base, in: "1h", at: "09:00" }, 0, 0)).toThrow(/exactly one of at/);
    expect(() => planJob({ accountId: "a", userId: "u", in: "1h", createdBy: "agent" }, 0, 0)).toThrow(
      /exactly one of text, file or prompt/,
    );
  });

  it("keeps a contact from scheduling more often than the limit or more jobs than allowed", () => {
    const base = { accountId: "a", userId: "u", text: "hi", tz: "UTC" };
    expect(() => planJob({ ...base, cron: "*/5 * * * *", createdBy: "contact" }, 0, 0)).toThrow(
      /every 15 minutes/,
    );
    expect(planJob({ ...base, cron: "*/5 * * * *", createdBy: "operator" }, 0, 0).kind).toBe("cron");
    expect(() => planJob({ ...base, in: "1h", createdBy: "contact" }, 0, 20)).toThrow(/cancel one first/);
  });
});

describe("next runs across DST changes", () => {
  it("a weekday 08:00 job in Berlin stays at 08:00 local across the spring change", () => {
    // DST starts on Sunday 2026-03-29 in Europe/Berlin: 08:00 is 07:00Z before, 06:00Z after.
    const runs = nextCronRuns("0 8 * * 1-5", "Europe/Berlin", Date.parse("2026-03-26T12:00:00Z"), 3);
    expect(runs.map(iso)).toEqual([
      "2026-03-27T07:00:00.000Z",
      "2026-03-30T06:00:00.000Z",
      "2026-03-31T06:00:00.000Z",
    ]);
  });

  it("a time skipped in spring runs once at the first valid minute; one repeated in autumn runs once", () => {
    // 02:30 does not exist on 2026-03-29 in Berlin (02:00 → 03:00): it runs at 03:00 local.
    const spring = nextCronRuns("30 2 * * *", "Europe/Berlin", Date.parse("2026-03-28T00:00:00Z"), 3);
    expect(spring.map(iso)).toEqual([
      "2026-03-28T01:30:00.000Z",
      "2026-03-29T01:00:00.000Z",
      "2026-03-30T00:30:00.000Z",
    ]);
    // 02:30 happens twice on 2026-10-25 (03:00 → 02:00): one firing, not two.
    const from = Date.parse("2026-10-24T12:00:00Z");
    const to = Date.parse("2026-10-26T12:00:00Z");
    expect(countCronRuns("30 2 * * *", "Europe/Berlin", from, to)).toBe(2);
  });

  it("a wall-clock date-time that DST skips moves forward; New York's autumn hour reads as the first", () => {
    expect(iso(zonedToUtc({ y: 2026, mo: 3, d: 8, h: 2, mi: 30 }, "America/New_York"))).toBe(
      "2026-03-08T07:30:00.000Z",
    );
    expect(iso(zonedToUtc({ y: 2026, mo: 7, d: 1, h: 9, mi: 0 }, "America/New_York"))).toBe(
      "2026-07-01T13:00:00.000Z",
    );
    expect(iso(nextCronRun("0 9 * * *", "Asia/Shanghai", Date.parse("2026-07-01T02:00:00Z")))).toBe(
      "2026-07-02T01:00:00.000Z",
    );
  });

  it("shows times in the job's zone, relative to today, in English and Chinese", () => {
    const now = Date.parse("2026-05-01T10:00:00Z");
    const tz = "Asia/Shanghai";
    expect(formatWhen(Date.parse("2026-05-01T12:00:00Z"), tz, now, "en")).toBe("20:00");
    expect(formatWhen(Date.parse("2026-05-02T00:00:00Z"), tz, now, "en")).toBe("tomorrow 08:00");
    expect(formatWhen(Date.parse("2026-05-02T00:00:00Z"), tz, now, "zh-CN")).toBe("明天 08:00");
    expect(formatWhen(Date.parse("2026-05-05T00:00:00Z"), tz, now, "en")).toBe("Tue 5 May 08:00");
    expect(formatWhen(Date.parse("2026-05-05T00:00:00Z"), tz, now, "zh-CN")).toBe("5月5日 周二 08:00");
  });
});
