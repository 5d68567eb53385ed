import { access, readdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openSession } from "../src/session/reader.js";
import {
  defaultSessionName,
  SessionWriter,
  type SessionWriterOptions,
} from "../src/session/writer.js";
import {
  bytesOf,
  decodeWithNumpy,
  makeTempFolder,
  unzipWithCli,
  withTimeout,
} from "./session-helpers.js";

const N_CHANNELS = 6;
const SAMPLE_RATE_HZ = 100;

/** Sample-major values where sample `s`, channel `c` is `s * 16 + c`, exact in float32. */
function pattern(
  firstSample: number,
  nSamples: number,
  nChannels = N_CHANNELS,
): { samples: Float32Array; timestamps: Float64Array } {
  const samples = new Float32Array(nSamples * nChannels);
  const timestamps = new Float64Array(nSamples);
  for (let s = 0; s < nSamples; s++) {
    timestamps[s] = 1000 + (firstSample + s) / SAMPLE_RATE_HZ;
    for (let c = 0; c < nChannels; c++) {
      samples[s * nChannels + c] = (firstSample + s) * 16 + c;
    }
  }
  return { samples, timestamps };
}

function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

describe("SessionWriter", () => {
  let root: Awaited<ReturnType<typeof makeTempFolder>>;

  beforeEach(async () => {
    root = await makeTempFolder();
  });

  afterEach(async () => {
    await root.remove();
  });

  function options(overrides: Partial<SessionWriterOptions> = {}): SessionWriterOptions {
    return {
      folder: join(root.path, "sessions"),
      appName: "Round Trip",
      classNames: ["rest", "fist", "pinch"],
      streams: [
        { name: "emg", kind: "numeric", nChannels: N_CHANNELS, sampleRateHz: SAMPLE_RATE_HZ },
        { name: "idle", kind: "numeric", nChannels: 2, sampleRateHz: 50 },
        { name: "events", kind: "marker", nChannels: 1, sampleRateHz: 0 },
      ],
      created: new Date(2026, 4, 16, 18, 52, 32),
      ...overrides,
    };
  }

  for (const compression of ["none", "zstd"] as const) {
    it(`round-trips a session with ${compression} compression`, async () => {
      const writer = await SessionWriter.create(options({ compression }));
      expect(writer.name).toBe("round-trip_20260516-185232");
      // 2.5 chunks of one second, appended in uneven pieces.
      let written = 0;
      for (const size of [1, 99, 37, 63, 50]) {
        const { samples, timestamps } = pattern(written, size);
        writer.append("emg", samples, timestamps, size);
        written += size;
      }
      writer.appendMarkers("events", ["start", "stop"], new Float64Array([1000.5, 1002.25]));
      writer.addLabel(1000.1, 1);
      writer.addLabel(1000.9, null);
      writer.addLabel(1001.2, 2);
      const result = await writer.close();

      expect(result.archivePath).toBe(
        join(root.path, "sessions", "round-trip_20260516-185232.session.zip"),
      );
      expect(await exists(result.archivePath)).toBe(true);
      expect(await exists(result.folder)).toBe(false);
      expect(result.nSamples).toEqual({ emg: 250, idle: 0, events: 2 });

      const session = await openSession(result.archivePath);
      expect(session.schemaVersion).toBe(1);
      expect(session.appName).toBe("Round Trip");
      expect(session.created).toBe("2026-05-16T18:52:32");
      expect(session.classNames).toEqual(["rest", "fist", "pinch"]);
      expect(session.warnings).toEqual([]);
      expect(session.streams.map((stream) => [stream.name, stream.kind, stream.nSamples])).toEqual([
        ["emg", "numeric", 250],
        ["idle", "numeric", 0],
        ["events", "marker", 2],
      ]);
      expect(session.labels).toEqual([
        { timestampS: 1000.1, classIndex: 1 },
        { timestampS: 1000.9, classIndex: null },
        { timestampS: 1001.2, classIndex: 2 },
      ]);
      expect(session.trials()).toEqual([
        { classIndex: 1, className: "fist", startS: 1000.1, endS: 1000.9 },
        { classIndex: 2, className: "pinch", startS: 1001.2, endS: 1000 + 249 / SAMPLE_RATE_HZ },
      ]);

      const expected = pattern(0, 250);
      const emg = await session.readStream("emg");
      expect(emg.samples).toEqual(expected.samples);
      expect(emg.timestamps).toEqual(expected.timestamps);
      const idle = await session.readStream("idle");
      expect(idle.nSamples).toBe(0);
      expect(idle.samples.length).toBe(0);
      expect(await session.readMarkers("events")).toEqual([
        { timestampS: 1000.5, value: "start" },
        { timestampS: 1002.25, value: "stop" },
      ]);

      // An independent decoder (unzip, zstd, numpy) reads the same values.
      const extracted = join(root.path, "extracted");
      unzipWithCli(result.archivePath, extracted);
      expect(await readdir(join(extracted, "emg.zarr", "c"))).toEqual(["0", "1", "2"]);
      const data = await decodeWithNumpy(join(extracted, "emg.zarr"), root.path);
      const times = await decodeWithNumpy(join(extracted, "emg_timestamps.zarr"), root.path);
      expect(data.shape).toEqual([250, N_CHANNELS]);
      expect(data.bytes.equals(bytesOf(expected.samples))).toBe(true);
      expect(times.bytes.equals(bytesOf(expected.timestamps))).toBe(true);
      const empty = await decodeWithNumpy(join(extracted, "idle.zarr"), root.path);
      expect(empty.shape).toEqual([0, 2]);
    });
  }

  it("separates writers started in one second", async () => {
    const [first, second] = await Promise.all([
      SessionWriter.create(options()),
      SessionWriter.create(options()),
    ]);
    expect(first.folder).not.toBe(second.folder);
    expect([first.name, second.name].sort()).toEqual([
      "round-trip_20260516-185232",
      "round-trip_20260516-185232-2",
    ]);
    const results = await Promise.all([first.close(), second.close()]);
    expect(results[0].archivePath).not.toBe(results[1].archivePath);

    // The folders are gone, but the archives still claim their names.
    const third = await SessionWriter.create(options());
    expect(third.name).toBe("round-trip_20260516-185232-3");
    await third.close();
  });

  it("loses no append racing close", async () => {
    const writer = await SessionWriter.create(options({ flushIntervalMs: 20 }));
    let accepted = 0;
    let rejection: unknown;
    let reachedTarget: () => void = () => undefined;
    const target = new Promise<void>((resolve) => {
      reachedTarget = resolve;
    });
    const pump = (async () => {
      for (;;) {
        const { samples, timestamps } = pattern(accepted, 37);
        try {
          writer.append("emg", samples, timestamps, 37);
        } catch (error) {
          rejection = error;
          return;
        }
        accepted += 37;
        if (accepted >= 1000) {
          reachedTarget();
        }
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    await withTimeout(target, 10_000, "1000 appended samples");
    const closing = writer.close();
    expect(() =>
      writer.append("emg", new Float32Array(N_CHANNELS), new Float64Array(1), 1),
    ).toThrow(/closing/);
    await withTimeout(pump, 10_000, "the append loop to be rejected");
    const result = await withTimeout(closing, 20_000, "close");

    expect((rejection as Error).message).toMatch(/closing/);
    expect(result.nSamples.emg).toBe(accepted);
    const emg = await (await openSession(result.archivePath)).readStream("emg");
    expect(emg.nSamples).toBe(accepted);
    expect(emg.samples).toEqual(pattern(0, accepted).samples);
  });

  it("reports a disk error", async () => {
    const writer = await SessionWriter.create(options());
    const reported = new Promise<Error>((resolve) => writer.on("error", resolve));
    const first = pattern(0, 50);
    writer.append("emg", first.samples, first.timestamps, 50);
    await writer.flush();
    expect(writer.error).toBeUndefined();

    // A file where the session folder was makes every later write fail.
    await rm(writer.folder, { recursive: true });
    await writeFile(writer.folder, "not a folder");
    const second = pattern(50, 100);
    writer.append("emg", second.samples, second.timestamps, 100);
    const error = await withTimeout(reported, 5000, "the error event");
    expect(error.message).toContain(writer.folder);
    expect(writer.error).toBe(error);
    await expect(writer.close()).rejects.toThrow(/incomplete; what was written so far is in/);
  });

  it("rejects appends of wrong size or name", async () => {
    const writer = await SessionWriter.create(options());
    const { samples, timestamps } = pattern(0, 10);
    expect(() => writer.append("eeg", samples, timestamps, 10)).toThrow(TypeError);
    expect(() => writer.append("eeg", samples, timestamps, 10)).toThrow(
      /"eeg" is not part of this recording/,
    );
    expect(() => writer.append("emg", samples, timestamps, 11)).toThrow(
      /samples has 60 values, fewer than 11 samples × 6 channels/,
    );
    expect(() => writer.append("emg", samples, timestamps.subarray(0, 5), 10)).toThrow(
      /timestamps has 5 values/,
    );
    expect(() => writer.append("emg", samples, timestamps, 2.5)).toThrow(
      /nSamples must be a non-negative integer/,
    );
    expect(() => writer.append("events", samples, timestamps, 10)).toThrow(
      /marker stream; write it with appendMarkers/,
    );
    expect(() => writer.appendMarkers("events", ["a"], [1, 2])).toThrow(
      /1 marker values but 2 timestamps/,
    );
    expect(() => writer.addLabel(1, 3)).toThrow(
      /classIndex must be null or an integer from 0 to 2/,
    );
    expect(() => writer.addLabel(Number.NaN, 0)).toThrow(RangeError);
    const result = await writer.close();
    expect(result.nSamples.emg).toBe(0);
  });

  it("rejects invalid options", async () => {
    await expect(SessionWriter.create(options({ flushIntervalMs: 1500 }))).rejects.toThrow(
      /flushIntervalMs must be more than 0 and at most 1000 ms, received 1500/,
    );
    await expect(SessionWriter.create(options({ name: "../escape" }))).rejects.toThrow(
      /name must be a plain file name/,
    );
    const clash = options({
      streams: [
        { name: "emg", kind: "numeric", nChannels: 1, sampleRateHz: 10 },
        { name: "emg_timestamps", kind: "numeric", nChannels: 1, sampleRateHz: 10 },
      ],
    });
    await expect(SessionWriter.create(clash)).rejects.toThrow(/collides/);
  });

  it("names sessions by app and time", () => {
    expect(defaultSessionName("EMG Regression!", new Date(2026, 0, 2, 3, 4, 5))).toBe(
      "emg-regression_20260102-030405",
    );
    expect(defaultSessionName("***", new Date(2026, 0, 2, 3, 4, 5))).toBe(
      "session_20260102-030405",
    );
  });
});
