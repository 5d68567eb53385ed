import { describe, expect, it } from "vitest";
import { runSoak, soakFigures } from "../bench/soak.js";

describe("soak, short version", () => {
  it("records, trains and predicts in cycles with the panel connected, losing no sample", async () => {
    const lines: string[] = [];
    const report = await runSoak({ signalS: 20, speed: 4, phaseS: 5, channels: 16, sampleRateHz: 2000, warmupCycles: 1, print: (line) => lines.push(line) });
    expect(report.cycles).toBeGreaterThanOrEqual(2);
    expect(report.samplesIn).toBeGreaterThan(2 * 5 * 2000 * 0.9);
    expect(report.samplesLost).toBe(0);
    expect(report.samplesRecorded).toBe(report.samplesIn);
    expect(report.predictions).toBeGreaterThan(0);
    expect(report.panelFrames).toBeGreaterThan(0);
    expect(lines[0]).toMatch(/cycle 1: .* 0 lost/);
    const figures = soakFigures(report, 4);
    expect(figures.map((figure) => figure.name)).toEqual(["soak_samples_lost", "soak_rss_growth", "soak_heap_growth", "soak_predict_lateness_p99"]);
  }, 120_000);
});
