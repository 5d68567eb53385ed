import { describe, expect, it } from "vitest";
import { SimulatedClock, localClockS } from "../src/core/clock.js";
import { UserLog, formatLogEntry } from "../src/core/log.js";
import { StateTable } from "../src/core/state.js";

describe("SimulatedClock", () => {
  it("fires timers in deadline order while advancing", () => {
    const clock = new SimulatedClock(0);
    const fired: string[] = [];
    clock.setTimeout(() => fired.push("b"), 20);
    clock.setTimeout(() => fired.push("a"), 10);
    clock.setTimeout(() => fired.push("c"), 30);
    clock.advanceMs(25);
    expect(fired).toEqual(["a", "b"]);
    expect(clock.now()).toBeCloseTo(0.025, 12);
    clock.advanceMs(5);
    expect(fired).toEqual(["a", "b", "c"]);
  });

  it("runs timers set by timers inside the same advance", () => {
    const clock = new SimulatedClock(0);
    const times: number[] = [];
    const tick = () => {
      times.push(clock.now());
      clock.setTimeout(tick, 10);
    };
    clock.setTimeout(tick, 10);
    clock.advanceMs(50);
    expect(times.map((t) => Math.round(t * 1000))).toEqual([10, 20, 30, 40, 50]);
  });

  it("cancels cleared timers", () => {
    const clock = new SimulatedClock(0);
    let fired = false;
    const handle = clock.setTimeout(() => (fired = true), 5);
    clock.clearTimeout(handle);
    clock.advanceMs(10);
    expect(fired).toBe(false);
    expect(clock.pendingTimers).toBe(0);
  });

  it("rejects a negative advance", () => {
    expect(() => new SimulatedClock().advanceMs(-1)).toThrow(/0 ms or more/);
  });

  it("real clock is monotonic seconds", () => {
    const a = localClockS();
    const b = localClockS();
    expect(b).toBeGreaterThanOrEqual(a);
    expect(a).toBeGreaterThan(0);
  });
});

describe("UserLog", () => {
  it("keeps the newest lines up to its capacity", () => {
    const clock = new SimulatedClock(5);
    const log = new UserLog(clock, 3, () => Date.UTC(2026, 0, 1));
    for (let i = 0; i < 5; i++) {
      log.write(`line ${i}`);
    }
    expect(log.entries.map((entry) => entry.text)).toEqual(["line 2", "line 3", "line 4"]);
    expect(log.entries[0]?.sequence).toBe(2);
    expect(log.since(3).map((entry) => entry.text)).toEqual(["line 4"]);
  });

  it("timestamps lines with both clocks", () => {
    const clock = new SimulatedClock(7.5);
    const log = new UserLog(clock, 10, () => 1_700_000_000_123);
    const entry = log.write("hello");
    expect(entry.timeS).toBe(7.5);
    expect(entry.wallTimeMs).toBe(1_700_000_000_123);
    expect(formatLogEntry(entry)).toMatch(/^\d\d:\d\d:\d\d\.123 hello$/);
  });

  it("emits each line to listeners", () => {
    const log = new UserLog(new SimulatedClock(), 10);
    const seen: string[] = [];
    log.on("line", (entry) => seen.push(entry.text));
    log.write("a");
    log.write("b");
    expect(seen).toEqual(["a", "b"]);
  });

  it("rejects a capacity below one", () => {
    expect(() => new UserLog(new SimulatedClock(), 0)).toThrow(/positive integer/);
  });
});

describe("StateTable", () => {
  it("starts idle and allows idle to recording and back", () => {
    const table = new StateTable();
    expect(table.state).toBe("idle");
    expect(table.move("recording")).toEqual({ ok: true });
    expect(table.state).toBe("recording");
    expect(table.move("idle")).toEqual({ ok: true });
  });

  it("refuses moves outside the table with a reason", () => {
    const table = new StateTable();
    table.move("recording");
    const result = table.move("recording" as never);
    expect(result.ok).toBe(false);
    const unknown = table.move("training");
    expect(unknown).toEqual({ ok: false, reason: expect.stringMatching(/Unknown state "training"/) });
    expect(table.state).toBe("recording");
  });

  it("opens added states one at a time", () => {
    const table = new StateTable();
    table.add([
      { from: "idle", to: "training" },
      { from: "training", to: "idle" },
    ]);
    expect(table.move("training").ok).toBe(true);
    const refused = table.move("recording");
    expect(refused).toEqual({ ok: false, reason: "Cannot go to recording while training" });
    expect(table.states).toEqual(expect.arrayContaining(["idle", "recording", "training"]));
  });
});
