import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { averageCapacity, runsPerMonth } from "../../runtime/pricing/schedule";

const close = (actual: number | undefined, expected: number) => assert.ok(actual !== undefined && Math.abs(actual - expected) < 0.01, `${actual} ≠ ${expected}`);

describe("schedule expressions → runs per month", () => {
  it("counts rate() schedules over 730 hours", () => {
    assert.equal(runsPerMonth("rate(2 minutes)"), 21_900);
    assert.equal(runsPerMonth("rate(1 hour)"), 730);
    assert.equal(runsPerMonth("rate(30 minutes)"), 1_460);
    close(runsPerMonth("rate(1 day)"), 30.4167);
  });

  it("counts cron() schedules: daily, weekdays, several times a day", () => {
    close(runsPerMonth("cron(0 9 * * ? *)"), 30.4167);
    close(runsPerMonth("cron(0 6 * * ? *)"), 30.4167);
    close(runsPerMonth("cron(0 7 ? * MON-FRI *)"), (30.4167 * 5) / 7);
    close(runsPerMonth("cron(0/15 8-17 ? * MON-FRI *)"), 4 * 10 * ((30.4167 * 5) / 7));
    close(runsPerMonth("cron(0 0,12 * * ? *)"), 2 * 30.4167);
    close(runsPerMonth("cron(0 9 1 * ? *)"), 30.4167 / 30.44);
  });

  it("rejects what is not a schedule", () => {
    assert.equal(runsPerMonth("every day"), undefined);
    assert.equal(runsPerMonth("cron(0 9 * *)"), undefined);
    assert.equal(runsPerMonth("rate(0 minutes)"), undefined);
  });
});

describe("scheduled capacity → average capacity", () => {
  it("weekday working hours 08:00-18:00 run 50 of 168 hours (217 h/month)", () => {
    const avg = averageCapacity(
      [
        { schedule: "cron(0 18 ? * MON-FRI *)", capacity: 0 },
        { schedule: "cron(0 8 ? * MON-FRI *)", capacity: 1 },
      ],
      1,
    )!;
    close(avg * 168, 50);
    close(avg * 730, (50 * 730) / 168); // 217.26
  });
  it("keeps the capacity when nothing changes it, and refuses unreadable schedules", () => {
    assert.equal(averageCapacity([], 3), 3);
    assert.equal(averageCapacity([{ schedule: "at(2026-01-01T00:00:00)", capacity: 0 }], 1), undefined);
  });
});
