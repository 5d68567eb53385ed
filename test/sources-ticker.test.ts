import { describe, expect, it } from "vitest";
import { SimulatedClock } from "../src/core/clock.js";
import { Ticker } from "../src/sources/ticker.js";

describe("Ticker", () => {
  it("ticks on absolute deadlines", () => {
    const clock = new SimulatedClock(0);
    const ticks: number[] = [];
    const ticker = new Ticker(clock, 20, (nowS) => ticks.push(nowS));

    ticker.start();
    clock.advanceMs(100);

    expect(ticks).toHaveLength(5);
    ticks.forEach((tickS, index) => {
      expect(tickS).toBeCloseTo((index + 1) * 0.02, 12);
    });
  });

  it("skips deadlines missed by a late tick", () => {
    const clock = new SimulatedClock(0);
    const ticks: number[] = [];
    const ticker = new Ticker(clock, 20, (nowS) => {
      ticks.push(nowS);
      if (ticks.length === 1) {
        // A step that overruns by 55 ms, as a blocked event loop would.
        clock.advanceMs(55);
      }
    });

    ticker.start();
    clock.advanceMs(120);

    expect(ticks[0]).toBeCloseTo(0.02, 12);
    expect(ticks[1]).toBeCloseTo(0.08, 12);
    expect(ticks[2]).toBeCloseTo(0.1, 12);
    expect(ticks[3]).toBeCloseTo(0.12, 12);
    expect(ticks).toHaveLength(4);
  });

  it("stops from inside its step", () => {
    const clock = new SimulatedClock(0);
    let count = 0;
    const ticker = new Ticker(clock, 10, () => {
      count++;
      if (count === 3) {
        ticker.stop();
      }
    });

    ticker.start();
    clock.advanceMs(1000);

    expect(count).toBe(3);
    expect(ticker.running).toBe(false);
    expect(clock.pendingTimers).toBe(0);
  });

  it("rejects a period that is not above 0", () => {
    const clock = new SimulatedClock(0);

    expect(() => new Ticker(clock, 0, () => undefined)).toThrow(
      "tick period must be a finite number of ms above 0, received 0",
    );
  });
});
