import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  postprocessingBits,
  postprocessingFlagsFromBits,
  TimestampPostprocessor,
  type TimeCorrectionSource,
} from "../src/lsl/postprocess.js";
import {
  estimateTimeCorrection,
  formatCppDouble,
  formatTimeProbeReply,
  formatTimeProbeRequest,
  measureTimeProbe,
  parseTimeProbeReply,
  parseTimeProbeRequest,
  TimeCorrectionEstimator,
  type TimeProbe,
} from "../src/lsl/time-correction.js";

/** Returns a seeded generator of standard normal numbers (mulberry32 and Box-Muller). */
function gaussianSource(seed: number): () => number {
  let state = seed >>> 0;
  const uniform = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
}

function rms(values: readonly number[]): number {
  return Math.sqrt(values.reduce((sum, value) => sum + value * value, 0) / values.length);
}

/** Builds a probe through a link with the given one-way delays to a remote clock `offsetS` ahead. */
function probe(t0: number, outS: number, processingS: number, backS: number, offsetS: number): TimeProbe {
  const t1 = t0 + outS + offsetS;
  const t2 = t1 + processingS;
  return { t0, t1, t2, t3: t0 + outS + processingS + backS };
}

describe("formatCppDouble", () => {
  it("matches printf %.16g", () => {
    // Expected texts from Python's "%.16g" % value, which rounds like glibc.
    const cases: [number, string][] = [
      [889.063732434, "889.063732434"],
      [889.1281545320001, "889.1281545320001"],
      [123456.789, "123456.789"],
      [0.1, "0.1"],
      [1e-5, "1e-05"],
      [0.0001, "0.0001"],
      [0.00012345678901234567, "0.0001234567890123457"],
      [1e15, "1000000000000000"],
      [1e16, "1e+16"],
      [1125899906842624.5, "1125899906842624"],
      [5e-324, "4.940656458412465e-324"],
      [1.7976931348623157e308, "1.797693134862316e+308"],
      [-42, "-42"],
      [12345678901234567890, "1.234567890123457e+19"],
      [1 / 3, "0.3333333333333333"],
      [2 ** 53, "9007199254740992"],
      [0, "0"],
    ];
    for (const [value, text] of cases) expect(formatCppDouble(value), String(value)).toBe(text);
  });

  it("reads back within 16 digits", () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e12, max: 1e12 }), (value) => {
        const back = Number(formatCppDouble(value));
        expect(Math.abs(back - value)).toBeLessThanOrEqual(Math.abs(value) * 1e-15);
      }),
    );
  });
});

describe("time probe datagrams", () => {
  it("formats the captured request", () => {
    expect(formatTimeProbeRequest(1804289383, 889.063732434)).toBe("LSL:timedata\r\n1804289383 889.063732434\r\n");
  });

  it("formats the captured reply bytes", () => {
    const reply = formatTimeProbeReply(1804289383, 889.063732434, 889.063836207, 889.063881494);
    const expected = Buffer.from(" 1804289383 889.063732434 889.063836207 889.063881494", "latin1");
    expect(Buffer.from(reply, "latin1").equals(expected)).toBe(true);
  });

  it("writes 16 significant digits", () => {
    expect(formatTimeProbeReply(7, 1, 889.1281545320001, 2)).toBe(" 7 1 889.1281545320001 2");
  });

  it("parses the captured reply", () => {
    expect(parseTimeProbeReply(" 1804289383 889.063732434 889.063836207 889.063881494")).toEqual({
      waveId: 1804289383,
      t0: 889.063732434,
      t1: 889.063836207,
      t2: 889.063881494,
    });
  });

  it("parses the captured request", () => {
    expect(parseTimeProbeRequest("LSL:timedata\r\n1804289383 889.063732434\r\n")).toEqual({ waveId: 1804289383, t0: 889.063732434 });
    expect(parseTimeProbeRequest("-5 1e-3")).toEqual({ waveId: -5, t0: 0.001 });
  });

  it("rejects malformed datagrams", () => {
    expect(() => parseTimeProbeReply(" 1 2 3")).toThrow(/has 3 fields, expected 4/);
    expect(() => parseTimeProbeReply("")).toThrow(/has 0 fields/);
    expect(() => parseTimeProbeReply(" x 1 2 3")).toThrow(/wave id "x"/);
    expect(() => parseTimeProbeReply(" 1 1 2 soon")).toThrow(/time "soon"/);
    expect(() => parseTimeProbeRequest("LSL:shortinfo\r\n\r\n16573 1\r\n")).toThrow(/expected "LSL:timedata"/);
  });

  it("round-trips through format and parse", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.double({ min: 0, max: 1e7, noNaN: true }), (waveId, t0) => {
        const reply = parseTimeProbeReply(formatTimeProbeReply(waveId, t0, t0 + 1, t0 + 2));
        expect(reply.waveId).toBe(waveId);
        expect(Math.abs(reply.t0 - t0)).toBeLessThanOrEqual(t0 * 1e-15);
      }),
    );
  });
});

describe("time correction estimate", () => {
  it("measures one probe by hand", () => {
    expect(measureTimeProbe({ t0: 1, t1: 3, t2: 4, t3: 4 })).toEqual({ offsetS: 1, rttS: 2, remoteTimeS: 3.5 });
  });

  it("picks the probe with the smallest round trip", () => {
    const probes = [
      probe(10.0, 0.004, 0.0001, 0.001, 100),
      probe(10.064, 0.0002, 0.0001, 0.003, 100),
      probe(10.128, 0.0004, 0.0001, 0.0002, 100),
      probe(10.192, 0.002, 0.0001, 0.002, 100),
      probe(10.256, 0.001, 0.0001, 0.0009, 100),
      probe(10.32, 0.0005, 0.0001, 0.0005, 100),
    ];
    const estimate = estimateTimeCorrection(probes, 6);
    // Best probe: out 0.4 ms, back 0.2 ms, so rtt 0.6 ms and offset 100 + 0.1 ms.
    expect(estimate?.uncertaintyS).toBeCloseTo(0.0006, 12);
    expect(estimate?.timeCorrectionS).toBeCloseTo(-100.0001, 9);
    expect(estimate?.remoteTimeS).toBeCloseTo(110.128 + 0.0004 + 0.00005, 9);
    expect(estimate?.replyCount).toBe(6);
  });

  it("needs the minimum number of replies", () => {
    const probes = [1, 2, 3, 4, 5].map((k) => probe(k, 0.001, 0, 0.001, -3));
    expect(estimateTimeCorrection(probes, 6)).toBeUndefined();
    expect(estimateTimeCorrection(probes, 5)?.timeCorrectionS).toBeCloseTo(3, 12);
    expect(estimateTimeCorrection([], 0)).toBeUndefined();
  });
});

describe("TimeCorrectionEstimator", () => {
  function runRound(estimator: TimeCorrectionEstimator, waveId: number, offsetS: number, replies: number): void {
    estimator.beginRound(waveId);
    for (let k = 0; k < replies; k++) {
      const { t0, t1, t2, t3 } = probe(50 + k * 0.064, 0.0003 + k * 0.0001, 0.00002, 0.0003, offsetS);
      expect(estimator.addReply({ waveId, t0, t1, t2 }, t3)).toBe(true);
    }
  }

  it("keeps the previous estimate after a short round", () => {
    const estimator = new TimeCorrectionEstimator();
    runRound(estimator, 11, 2.5, 8);
    expect(estimator.endRound()?.timeCorrectionS).toBeCloseTo(-2.5, 9);
    runRound(estimator, 12, 7, 5);
    expect(estimator.replyCount).toBe(5);
    expect(estimator.endRound()).toBeUndefined();
    expect(estimator.current?.timeCorrectionS).toBeCloseTo(-2.5, 9);
    runRound(estimator, 13, 7, 6);
    expect(estimator.endRound()?.timeCorrectionS).toBeCloseTo(-7, 9);
    expect(estimator.current?.timeCorrectionS).toBeCloseTo(-7, 9);
  });

  it("ignores replies of other rounds", () => {
    const estimator = new TimeCorrectionEstimator({ minProbes: 1 });
    expect(estimator.addReply({ waveId: 1, t0: 0, t1: 0, t2: 0 }, 0)).toBe(false);
    estimator.beginRound(2);
    expect(estimator.addReply({ waveId: 1, t0: 0, t1: 0, t2: 0 }, 0)).toBe(false);
    expect(estimator.replyCount).toBe(0);
  });

  it("reports a reset once, only after an estimate", () => {
    const estimator = new TimeCorrectionEstimator();
    estimator.reset();
    expect(estimator.takeReset()).toBe(false);
    runRound(estimator, 1, 1, 6);
    estimator.endRound();
    estimator.reset();
    expect(estimator.current).toBeUndefined();
    expect(estimator.takeReset()).toBe(true);
    expect(estimator.takeReset()).toBe(false);
  });

  it("rejects an invalid minimum", () => {
    expect(() => new TimeCorrectionEstimator({ minProbes: 0 })).toThrow(/minProbes 0/);
  });
});

describe("postprocessing flags", () => {
  it("converts liblsl's bits", () => {
    expect(postprocessingFlagsFromBits(15)).toEqual(["clocksync", "dejitter", "monotonize"]);
    expect(postprocessingFlagsFromBits(8)).toEqual([]);
    expect(postprocessingFlagsFromBits(6)).toEqual(["dejitter", "monotonize"]);
    expect(postprocessingBits(["clocksync", "monotonize"])).toBe(5);
    expect(() => postprocessingFlagsFromBits(16)).toThrow(RangeError);
  });

  it("accepts numeric flags in the constructor", () => {
    expect(new TimestampPostprocessor({ flags: 4, nominalRateHz: 0 }).flags).toEqual(["monotonize"]);
  });

  it("requires a source for clocksync", () => {
    expect(() => new TimestampPostprocessor({ flags: ["clocksync"], nominalRateHz: 100 })).toThrow(/needs a timeCorrection source/);
  });
});

describe("dejitter", () => {
  /** Simulates `seconds` of a stream at `trueRateHz` with gaussian jitter and dejitters it in chunks. */
  function simulate(trueRateHz: number, declaredRateHz: number, jitterS: number, seconds: number) {
    const gaussian = gaussianSource(20240611);
    const count = Math.round(seconds * trueRateHz);
    const truth = new Float64Array(count);
    const stamps = new Float64Array(count);
    for (let k = 0; k < count; k++) {
      truth[k] = 4321.987 + k / trueRateHz;
      stamps[k] = (truth[k] as number) + jitterS * gaussian();
    }
    const input = stamps.slice();
    const processor = new TimestampPostprocessor({ flags: ["dejitter"], nominalRateHz: declaredRateHz });
    for (let start = 0; start < count; start += 37) processor.process(stamps, start, Math.min(count, start + 37));
    const lastErrors = (from: number, values: Float64Array): number[] =>
      Array.from(values.subarray(from), (value, k) => value - (truth[from + k] as number));
    return { processor, count, input, stamps, lastErrors };
  }

  it("removes most gaussian jitter at 1000 Hz", () => {
    const jitterS = 0.002;
    const { count, input, stamps, lastErrors } = simulate(1000, 1000, jitterS, 120);
    const from = count - 20_000;
    const inputRms = rms(lastErrors(from, input));
    const outputRms = rms(lastErrors(from, stamps));
    expect(inputRms).toBeGreaterThan(0.9 * jitterS);
    expect(outputRms).toBeLessThan(inputRms / 20);
  });

  it("tracks a true rate of 1000.5 Hz declared as 1000", () => {
    const jitterS = 0.001;
    const { processor, count, input, stamps, lastErrors } = simulate(1000.5, 1000, jitterS, 120);
    const slopeS = processor.dejitterState?.slopeS ?? Number.NaN;
    // The declared and true sample intervals differ by 5e-7 s.
    expect(Math.abs(slopeS - 1 / 1000.5)).toBeLessThan(2e-8);
    const from = count - 20_000;
    expect(rms(lastErrors(from, stamps))).toBeLessThan(rms(lastErrors(from, input)) / 10);
  });

  it("starts at the first timestamp", () => {
    const processor = new TimestampPostprocessor({ flags: ["dejitter"], nominalRateHz: 500 });
    // The 1e10 prior variance costs about 1e-7 s of rounding on the first samples, as in liblsl.
    expect(Math.abs(processor.processTimestamp(1234.5678) - 1234.5678)).toBeLessThan(1e-6);
    expect(processor.dejitterState).toMatchObject({ baselineS: 1234, sampleIndex: 1, slopeS: 0.002 });
  });

  it("keeps a regular stream unchanged", () => {
    const processor = new TimestampPostprocessor({ flags: ["dejitter"], nominalRateHz: 250 });
    for (let k = 0; k < 5000; k++) {
      const t = 77.25 + k / 250;
      const errorS = Math.abs(processor.processTimestamp(t) - t);
      expect(errorS, `sample ${k}`).toBeLessThan(k < 1000 ? 1e-6 : 1e-9);
    }
  });

  it("advances the index over dropped samples", () => {
    const processor = new TimestampPostprocessor({ flags: ["dejitter"], nominalRateHz: 100 });
    for (let k = 0; k < 1000; k++) processor.processTimestamp(10 + k / 100);
    processor.skipSamples(40);
    expect(processor.dejitterState?.sampleIndex).toBe(1040);
    for (let k = 1040; k < 1100; k++) {
      expect(Math.abs(processor.processTimestamp(10 + k / 100) - (10 + k / 100))).toBeLessThan(1e-9);
    }
  });

  it("leaves irregular streams alone", () => {
    const processor = new TimestampPostprocessor({ flags: ["dejitter"], nominalRateHz: 0 });
    expect(processor.processTimestamp(3.25)).toBe(3.25);
    expect(processor.processTimestamp(1.5)).toBe(1.5);
    expect(processor.dejitterState).toBeUndefined();
  });

  it("gives the same output for any chunking", () => {
    const base = Array.from({ length: 300 }, (_, k) => 500 + k / 200 + 0.001 * Math.sin(k * 1.7));
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 30 }), (sizes) => {
        const whole = Float64Array.from(base);
        new TimestampPostprocessor({ flags: ["dejitter", "monotonize"], nominalRateHz: 200 }).process(whole);
        const chunked = Float64Array.from(base);
        const processor = new TimestampPostprocessor({ flags: ["dejitter", "monotonize"], nominalRateHz: 200 });
        let start = 0;
        for (let k = 0; start < chunked.length; k++) {
          const end = Math.min(chunked.length, start + (sizes[k % sizes.length] as number));
          processor.process(chunked, start, end);
          start = end;
        }
        expect(Array.from(chunked)).toEqual(Array.from(whole));
      }),
    );
  });

  it("rejects a range outside the array", () => {
    const processor = new TimestampPostprocessor({ flags: ["dejitter"], nominalRateHz: 100 });
    expect(() => processor.process(new Float64Array(4), 2, 5)).toThrow(/range 2..5 is not inside the 4 timestamps/);
  });
});

describe("monotonize", () => {
  it("never goes below the previous output", () => {
    const stamps = Float64Array.from([1, 2, 1.5, 3, 2.9, 4]);
    new TimestampPostprocessor({ flags: ["monotonize"], nominalRateHz: 0 }).process(stamps);
    expect(Array.from(stamps)).toEqual([1, 2, 2, 3, 3, 4]);
  });

  it("outputs a non-decreasing series for any input", () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { maxLength: 200 }), (values) => {
        const stamps = Float64Array.from(values);
        new TimestampPostprocessor({ flags: ["monotonize"], nominalRateHz: 0 }).process(stamps);
        for (let k = 1; k < stamps.length; k++) expect(stamps[k]).toBeGreaterThanOrEqual(stamps[k - 1] as number);
      }),
    );
  });
});

describe("clocksync", () => {
  class FakeSource implements TimeCorrectionSource {
    correctionS = 0;
    reads = 0;
    resetPending = false;
    timeCorrectionS(): number {
      this.reads++;
      return this.correctionS;
    }
    takeReset(): boolean {
      const pending = this.resetPending;
      this.resetPending = false;
      return pending;
    }
  }

  function setup(flags: ("clocksync" | "dejitter" | "monotonize")[] = ["clocksync"]) {
    const source = new FakeSource();
    const clock = { nowS: 1000, now: () => clock.nowS };
    const processor = new TimestampPostprocessor({ flags, nominalRateHz: 100, timeCorrection: source, clock });
    return { source, clock, processor };
  }

  it("reads the correction on the first sample", () => {
    const { source, processor } = setup();
    source.correctionS = 2;
    expect(processor.processTimestamp(10)).toBe(12);
    expect(source.reads).toBe(1);
  });

  it("re-reads after more than 50 samples and 0.5 s", () => {
    const { source, clock, processor } = setup();
    source.correctionS = 1;
    processor.processTimestamp(0);
    source.correctionS = 5;
    clock.nowS += 10;
    for (let k = 0; k < 50; k++) expect(processor.processTimestamp(0), `sample ${k + 1} after the read`).toBe(1);
    expect(processor.processTimestamp(0)).toBe(5);
  });

  it("waits 0.5 s between reads", () => {
    const { source, clock, processor } = setup();
    processor.processTimestamp(0);
    source.correctionS = 3;
    clock.nowS += 0.4;
    for (let k = 0; k < 200; k++) expect(processor.processTimestamp(0)).toBe(0);
    clock.nowS += 0.2;
    expect(processor.processTimestamp(0)).toBe(3);
    expect(source.reads).toBe(2);
  });

  it("restarts dejitter and monotonize on a clock reset", () => {
    const { source, clock, processor } = setup(["clocksync", "dejitter", "monotonize"]);
    const stamps = Float64Array.from({ length: 300 }, (_, k) => 900 + k / 100);
    processor.process(stamps);
    expect(processor.dejitterState?.sampleIndex).toBe(300);
    source.resetPending = true;
    source.correctionS = 500;
    clock.nowS += 1;
    // The next sample reads the correction and the reset, and starts a new fit below the old floor.
    expect(processor.processTimestamp(20.25)).toBeCloseTo(520.25, 6);
    expect(processor.dejitterState).toMatchObject({ baselineS: 520, sampleIndex: 1 });
    expect(processor.processTimestamp(20.26)).toBeCloseTo(520.26, 6);
  });
});
