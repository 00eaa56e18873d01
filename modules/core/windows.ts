// Maintenance and backup windows as AWS writes them (ElastiCache, RDS): parsed to minutes, and checked for overlap.
const DAILY_WINDOW = /^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$/;
const WEEKLY_WINDOW = /^(sun|mon|tue|wed|thu|fri|sat):([01]\d|2[0-3]):([0-5]\d)-(sun|mon|tue|wed|thu|fri|sat):([01]\d|2[0-3]):([0-5]\d)$/;
const DAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];
const DAY = 24 * 60;
const WEEK = 7 * DAY;

/** A time range in minutes: start, and end after it (a range past midnight or the week's end wraps). */
export interface Range {
  readonly start: number;
  readonly end: number;
}

/** "03:00-04:00" as minutes of the day, or undefined when malformed. */
export function dailyWindow(text: string): Range | undefined {
  const m = DAILY_WINDOW.exec(text);
  if (!m) return undefined;
  const start = Number(m[1]) * 60 + Number(m[2]);
  const end = Number(m[3]) * 60 + Number(m[4]);
  return { start, end: end <= start ? end + DAY : end };
}

/** "sun:05:00-sun:06:00" as minutes of the week (Sunday 00:00 = 0), or undefined when malformed. */
export function weeklyWindow(text: string): Range | undefined {
  const m = WEEKLY_WINDOW.exec(text);
  if (!m) return undefined;
  const start = DAYS.indexOf(m[1]!) * DAY + Number(m[2]) * 60 + Number(m[3]);
  const end = DAYS.indexOf(m[4]!) * DAY + Number(m[5]) * 60 + Number(m[6]);
  return { start, end: end <= start ? end + WEEK : end };
}

/** Whether a daily window meets a weekly one on any day (two weeks cover every wrap-around). */
export function windowsOverlap(daily: Range, weekly: Range): boolean {
  const weeklies = [weekly, { start: weekly.start + WEEK, end: weekly.end + WEEK }];
  for (let day = 0; day < 14; day++) {
    const d = { start: day * DAY + daily.start, end: day * DAY + daily.end };
    if (weeklies.some((w) => d.start < w.end && w.start < d.end)) return true;
  }
  return false;
}

/** Checks what can be checked at synth; values that are Terraform tokens are left to Terraform and ElastiCache. */
