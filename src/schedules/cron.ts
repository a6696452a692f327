// Five-field cron expressions (minute hour day-of-month month day-of-week), in UTC.
// Supports *, lists, ranges, steps, and month and weekday names. Pure: no clock.

export interface CronFieldSpec {
  name: string;
  min: number;
  max: number;
  names?: string[];
}

const FIELDS: CronFieldSpec[] = [
  { name: "minute", min: 0, max: 59 },
  { name: "hour", min: 0, max: 23 },
  { name: "day of month", min: 1, max: 31 },
  { name: "month", min: 1, max: 12, names: ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"] },
  { name: "day of week", min: 0, max: 7, names: ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"] },
];

export interface CronSchedule {
  source: string;
  minutes: Set<number>;
  hours: Set<number>;
  daysOfMonth: Set<number>;
  months: Set<number>;
  daysOfWeek: Set<number>;
  /** Standard cron: when both day fields are restricted, a day matching either runs. */
  domRestricted: boolean;
  dowRestricted: boolean;
}

export class CronError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = "CronError";
  }
}

function parseValue(text: string, spec: CronFieldSpec): number {
  const named = spec.names?.indexOf(text.toUpperCase()) ?? -1;
  let value = NaN;
  if (named >= 0) value = spec.name === "month" ? named + 1 : named;
  else if (/^\d+$/.test(text)) value = Number(text);
  if (!Number.isInteger(value) || value < spec.min || value > spec.max) {
    throw new CronError(spec.name, `invalid ${spec.name} value "${text}": expected ${spec.min}-${spec.max}${spec.names ? " or a name" : ""}`);
  }
  return value;
}

function parseField(text: string, spec: CronFieldSpec): Set<number> {
  const values = new Set<number>();
  for (const part of text.split(",")) {
    const [rangeText, stepText, extra] = part.split("/");
    if (extra !== undefined || rangeText === "") throw new CronError(spec.name, `invalid ${spec.name} "${part}"`);
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1) throw new CronError(spec.name, `invalid step "${stepText}" in ${spec.name}`);

    let low: number;
    let high: number;
    if (rangeText === "*") {
      low = spec.min;
      high = spec.name === "day of week" ? 6 : spec.max;
    } else if (rangeText.includes("-")) {
      const [a, b] = rangeText.split("-");
      low = parseValue(a, spec);
      high = parseValue(b, spec);
      if (low > high) throw new CronError(spec.name, `invalid ${spec.name} range "${rangeText}": start is after end`);
    } else {
      low = parseValue(rangeText, spec);
      high = stepText === undefined ? low : spec.max;
    }
    for (let value = low; value <= high; value += step) values.add(spec.name === "day of week" && value === 7 ? 0 : value);
  }
  return values;
}

/** Parses a cron expression, throwing CronError that names the bad field. */
export function parseCron(source: string): CronSchedule {
  const parts = source.trim().split(/\s+/);
  if (parts.length !== 5) {
    throw new CronError("expression", `expected 5 fields (minute hour day-of-month month day-of-week), got ${parts.length}`);
  }
  const [minutes, hours, daysOfMonth, months, daysOfWeek] = parts.map((part, i) => parseField(part, FIELDS[i]));
  return {
    source: parts.join(" "),
    minutes,
    hours,
    daysOfMonth,
    months,
    daysOfWeek,
    domRestricted: parts[2] !== "*",
    dowRestricted: parts[4] !== "*",
  };
}

function dayMatches(schedule: CronSchedule, date: Date): boolean {
  const dom = schedule.daysOfMonth.has(date.getUTCDate());
  const dow = schedule.daysOfWeek.has(date.getUTCDay());
  if (schedule.domRestricted && schedule.dowRestricted) return dom || dow;
  if (schedule.domRestricted) return dom;
  if (schedule.dowRestricted) return dow;
  return true;
}

/** Returns the first minute strictly after `after` that the schedule matches, or null within 5 years. */
export function nextRun(schedule: CronSchedule, after: Date): Date | null {
  const t = new Date(after.getTime());
  t.setUTCSeconds(0, 0);
  t.setUTCMinutes(t.getUTCMinutes() + 1);
  const limit = after.getTime() + 5 * 366 * 24 * 3600_000;

  while (t.getTime() <= limit) {
    if (!schedule.months.has(t.getUTCMonth() + 1)) {
      t.setUTCMonth(t.getUTCMonth() + 1, 1);
      t.setUTCHours(0, 0, 0, 0);
    } else if (!dayMatches(schedule, t)) {
      t.setUTCDate(t.getUTCDate() + 1);
      t.setUTCHours(0, 0, 0, 0);
    } else if (!schedule.hours.has(t.getUTCHours())) {
      t.setUTCHours(t.getUTCHours() + 1, 0, 0, 0);
    } else if (!schedule.minutes.has(t.getUTCMinutes())) {
      t.setUTCMinutes(t.getUTCMinutes() + 1, 0, 0);
    } else {
      return t;
    }
  }
  return null;
}
