import { describe, expect, it } from "vitest";
import { CronError, nextRun, parseCron } from "../../src/schedules/cron";

function next(expression: string, after: string): string | undefined {
  return nextRun(parseCron(expression), new Date(after))?.toISOString();
}

describe("parseCron", () => {
  it("rejects a bad field by name", () => {
    expect(() => parseCron("61 * * * *")).toThrow(CronError);
    const error = (() => {
      try {
        parseCron("0 25 * * *");
      } catch (thrown) {
        return thrown as CronError;
      }
    })();
    expect(error).toBeInstanceOf(CronError);
    expect(error?.field).toBe("hour");
    expect(error?.message).toContain('"25"');
  });

  it("rejects the wrong number of fields", () => {
    expect(() => parseCron("* * * *")).toThrow(/expected 5 fields/);
    expect(() => parseCron("0 0 * * * *")).toThrow(/got 6/);
  });

  it("rejects malformed ranges and steps", () => {
    expect(() => parseCron("5-1 * * * *")).toThrow(/start is after end/);
    expect(() => parseCron("*/0 * * * *")).toThrow(/step/);
    expect(() => parseCron("* * * FOO *")).toThrow(/month/);
  });
});

describe("nextRun", () => {
  it("finds the next minute for every-minute", () => {
    expect(next("* * * * *", "2026-03-01T10:15:30Z")).toBe("2026-03-01T10:16:00.000Z");
  });

  it("is strictly after the given time", () => {
    expect(next("30 2 * * *", "2026-03-01T02:30:00Z")).toBe("2026-03-02T02:30:00.000Z");
  });

  it("handles steps and lists", () => {
    expect(next("*/15 * * * *", "2026-03-01T10:16:00Z")).toBe("2026-03-01T10:30:00.000Z");
    expect(next("0 9,17 * * *", "2026-03-01T10:00:00Z")).toBe("2026-03-01T17:00:00.000Z");
  });

  it("rolls over months and years", () => {
    expect(next("0 0 1 JAN *", "2026-06-01T00:00:00Z")).toBe("2027-01-01T00:00:00.000Z");
    expect(next("0 0 31 * *", "2026-04-01T00:00:00Z")).toBe("2026-05-31T00:00:00.000Z");
  });

  it("matches weekdays, with 7 as Sunday", () => {
    // 2026-03-01 is a Sunday.
    expect(next("0 8 * * MON-FRI", "2026-03-01T00:00:00Z")).toBe("2026-03-02T08:00:00.000Z");
    expect(next("0 8 * * 7", "2026-03-02T00:00:00Z")).toBe("2026-03-08T08:00:00.000Z");
  });

  it("runs on either day field when both are restricted", () => {
    // The 15th or any Monday: from Sunday the 1st, Monday the 2nd comes first.
    expect(next("0 0 15 * MON", "2026-03-01T00:00:00Z")).toBe("2026-03-02T00:00:00.000Z");
  });

  it("returns null for a date that never comes", () => {
    expect(next("0 0 30 FEB *", "2026-01-01T00:00:00Z")).toBeUndefined();
  });
});
