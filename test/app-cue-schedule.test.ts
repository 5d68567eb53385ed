import { describe, expect, it } from "vitest";
import { App } from "../src/app/app.js";
import { CueSchedule } from "../src/app/cue-schedule.js";
import { SimulatedClock } from "../src/core/clock.js";

describe("CueSchedule", () => {
  it("steps the cue through the classes on time", async () => {
    const clock = new SimulatedClock(0);
    const app = new App({ name: "Schedule", classNames: ["Rest", "Fist"], clock });
    const changes: [number | null, number][] = [];
    app.ctx.on("cue", (change) => changes.push([change.classIndex, Math.round(change.timestampS * 1000)]));
    const schedule = new CueSchedule(app, CueSchedule.cycle(2, { trialS: 1.5, repetitions: 2, restS: 0.5 }));
    schedule.start();
    expect(schedule.position).toMatchObject({ index: 0, remainingS: 1.5, next: { classIndex: null, durationS: 0.5 } });
    clock.advanceMs(1000);
    expect(schedule.position?.remainingS).toBeCloseTo(0.5, 9);
    clock.advanceMs(7000);
    await schedule.finished;
    expect(changes).toEqual([
      [0, 0],
      [null, 1500],
      [1, 2000],
      [null, 3500],
      [0, 4000],
      [null, 5500],
      [1, 6000],
      [null, 7500],
    ]);
    expect(schedule.running).toBe(false);
    expect(clock.pendingTimers).toBe(0);
  });

  it("stops early and rejects bad steps", () => {
    const clock = new SimulatedClock(0);
    const app = new App({ name: "Schedule", classNames: ["A"], clock });
    const schedule = new CueSchedule(app, [{ classIndex: 0, durationS: 2 }]);
    schedule.start();
    schedule.stop();
    expect(clock.pendingTimers).toBe(0);
    expect(app.ctx.cue).toBe(0);
    expect(() => new CueSchedule(app, [])).toThrow(/at least one step/);
    expect(() => new CueSchedule(app, [{ classIndex: 0, durationS: 0 }])).toThrow(/step 1 lasts 0 s/);
  });
});
