import fc from "fast-check";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { childText } from "../src/lsl/xml.js";
import { parseXdf, readXdf, XDF_TAG, XdfFormatError, type XdfFile, type XdfStream } from "../src/xdf/index.js";
import { encodeVarlen, writeLabRecorderXdf, XdfBuilder, type TestStream, type WrittenChunk } from "./support/xdf-writer.js";

const FUZZ_RUNS = Number(process.env.FUZZ_RUNS ?? 200);

/** Offset of the stream clock: recorder time minus stream time at stream time 0, in seconds. */
const OFFSET_AT_ZERO_S = 0.25;
/** Drift of the stream clock against the recorder's, in seconds per second. */
const DRIFT = 2e-5;

/** Timestamps from `firstS` at `rateHz`, each the previous plus 1 / rate as a reader deduces them. */
function regularTimestamps(firstS: number, rateHz: number, count: number): number[] {
  const timestamps: number[] = [];
  let timestampS = firstS;
  for (let i = 0; i < count; i++) {
    timestamps.push(timestampS);
    timestampS += 1 / rateHz;
  }
  return timestamps;
}

/** Clock offsets that lie exactly on `OFFSET_AT_ZERO_S + DRIFT · t`. */
function linearOffsets(timesS: readonly number[]): { collectionTimeS: number; offsetS: number }[] {
  return timesS.map((collectionTimeS) => ({ collectionTimeS, offsetS: OFFSET_AT_ZERO_S + DRIFT * collectionTimeS }));
}

const EMG_TIMES = regularTimestamps(5000, 100, 23);
const EMG: TestStream = {
  id: 1,
  name: "EMG",
  type: "EMG",
  channelFormat: "float32",
  channelCount: 3,
  nominalSrateHz: 100,
  channelLabels: ["C3", "Cz", "C4"],
  timestampsS: EMG_TIMES,
  values: EMG_TIMES.map((_, i) => [i * 0.5, -i, i + 0.25]),
  clockOffsets: linearOffsets([5000, 5005, 5010, 5015]),
  deduceTimestamps: true,
};
const MARKERS: TestStream = {
  id: 2,
  name: "Markers",
  type: "Markers",
  channelFormat: "string",
  channelCount: 1,
  nominalSrateHz: 0,
  timestampsS: [5000.013, 5000.05, 5000.101, 5000.2],
  values: [["start"], ["fist"], ["rest ✓"], [""]],
  clockOffsets: [{ collectionTimeS: 5001, offsetS: -0.125 }],
};
const EMPTY: TestStream = {
  id: 3,
  name: "Silent",
  channelFormat: "double64",
  channelCount: 2,
  nominalSrateHz: 50,
  timestampsS: [],
  values: [],
};

function integerStream(id: number, channelFormat: "int8" | "int16" | "int32" | "int64", scale: number): TestStream {
  const timestampsS = [10, 10.5, 11.25, 12];
  return {
    id,
    name: `ints-${channelFormat}`,
    channelFormat,
    channelCount: 2,
    nominalSrateHz: 2,
    timestampsS,
    values: timestampsS.map((_, i) => [(i - 2) * scale, -(i + 1) * scale]),
  };
}

const INTEGER_STREAMS = [integerStream(4, "int8", 30), integerStream(5, "int16", 8_000), integerStream(6, "int32", 500_000_000), integerStream(7, "int64", 2 ** 40)];
const DOUBLES: TestStream = {
  id: 8,
  name: "Doubles",
  channelFormat: "double64",
  channelCount: 1,
  nominalSrateHz: 0,
  timestampsS: [1, 2, 3],
  values: [[Math.PI], [1e300], [-1 / 3]],
};
const WORDS: TestStream = {
  id: 9,
  name: "Words",
  channelFormat: "string",
  channelCount: 2,
  nominalSrateHz: 0,
  timestampsS: [3, 4],
  values: [
    ["a", "bb"],
    ["ccc", "dddd"],
  ],
};

const ALL_STREAMS = [EMG, MARKERS, EMPTY, ...INTEGER_STREAMS, DOUBLES, WORDS];

function stream(file: XdfFile, id: number): XdfStream {
  const found = file.streams.find((candidate) => candidate.id === id);
  expect(found, `stream ${id}`).toBeDefined();
  return found as XdfStream;
}

function numbers(found: XdfStream): number[] {
  expect(found.channelFormat).not.toBe("string");
  return Array.from(found.values as Float32Array | Float64Array);
}

describe("readXdf on a LabRecorder-layout file", () => {
  const { bytes } = writeLabRecorderXdf(ALL_STREAMS);
  const file = parseXdf(bytes);

  it("reads every stream without warnings", () => {
    expect(file.warnings).toEqual([]);
    expect(file.streams.map((found) => found.id)).toEqual(ALL_STREAMS.map((written) => written.id));
    expect(file.header === undefined ? undefined : childText(file.header, "version")).toBe("1.0");
  });

  it("reads the stream info fields", () => {
    const emg = stream(file, 1);
    expect(emg).toMatchObject({ name: "EMG", type: "EMG", channelCount: 3, nominalSrateHz: 100, channelFormat: "float32", sourceId: "test-1" });
    expect(emg.channelLabels).toEqual(["C3", "Cz", "C4"]);
    expect(emg.header.name).toBe("info");
    expect(emg.footer === undefined ? undefined : childText(emg.footer, "sample_count")).toBe("23");
    expect(stream(file, 2).channelLabels).toBeUndefined();
  });

  it("reads float32 values sample-major", () => {
    const emg = stream(file, 1);
    expect(emg.nSamples).toBe(23);
    expect(emg.values).toBeInstanceOf(Float32Array);
    expect(numbers(emg)).toEqual(EMG.values.flat());
  });

  it.each(INTEGER_STREAMS.map((written) => [written.channelFormat, written] as const))("reads %s values", (_format, written) => {
    const found = stream(file, written.id);
    expect(found.channelFormat).toBe(written.channelFormat);
    expect(numbers(found)).toEqual(written.values.flat());
    expect(Array.from(found.timestamps)).toEqual(written.timestampsS);
  });

  it("keeps int8 and int16 in a Float32Array and wider integers in a Float64Array", () => {
    expect(stream(file, 4).values).toBeInstanceOf(Float32Array);
    expect(stream(file, 5).values).toBeInstanceOf(Float32Array);
    expect(stream(file, 6).values).toBeInstanceOf(Float64Array);
    expect(stream(file, 7).values).toBeInstanceOf(Float64Array);
  });

  it("reads double64 values exactly", () => {
    const doubles = stream(file, 8);
    expect(doubles.values).toBeInstanceOf(Float64Array);
    expect(numbers(doubles)).toEqual([Math.PI, 1e300, -1 / 3]);
  });

  it("reads string values one array per sample", () => {
    expect(stream(file, 2).values).toEqual([["start"], ["fist"], ["rest ✓"], [""]]);
    expect(stream(file, 9).values).toEqual(WORDS.values);
    expect(Array.from(stream(file, 2).timestamps)).toEqual(MARKERS.timestampsS);
  });

  it("returns a stream without samples with empty arrays", () => {
    const empty = stream(file, 3);
    expect(empty.nSamples).toBe(0);
    expect(empty.timestamps).toHaveLength(0);
    expect(empty.correctedTimestamps).toHaveLength(0);
    expect(empty.values).toHaveLength(0);
    expect(empty.footer).toBeDefined();
  });

  it("fills deduced timestamps from the previous one plus the sample period", () => {
    const emg = stream(file, 1);
    expect(Array.from(emg.timestamps)).toEqual(EMG_TIMES);
    const full = writeLabRecorderXdf([{ ...EMG, deduceTimestamps: false }]).bytes;
    const deduced = writeLabRecorderXdf([EMG]).bytes;
    // 22 of the 23 samples leave out their 8-byte timestamp.
    expect(full.length - deduced.length).toBe(22 * 8);
  });

  it("corrects timestamps by the line through the clock offsets", () => {
    const emg = stream(file, 1);
    expect(emg.clockOffsets.collectionTimeS).toEqual([5000, 5005, 5010, 5015]);
    expect(emg.clockCorrection?.method).toBe("least-squares");
    expect(emg.clockCorrection?.slope).toBeCloseTo(DRIFT, 12);
    expect(emg.clockCorrection?.interceptS).toBeCloseTo(OFFSET_AT_ZERO_S, 7);
    EMG_TIMES.forEach((timestampS, i) => {
      const expectedS = timestampS + OFFSET_AT_ZERO_S + DRIFT * timestampS;
      expect(Math.abs((emg.correctedTimestamps[i] as number) - expectedS), `sample ${i}`).toBeLessThan(1e-9);
    });
  });

  it("corrects by the mean offset when there is one offset", () => {
    const markers = stream(file, 2);
    expect(markers.clockCorrection).toEqual({ interceptS: -0.125, slope: 0, method: "mean" });
    expect(Array.from(markers.correctedTimestamps)).toEqual(MARKERS.timestampsS.map((timestampS) => timestampS - 0.125));
  });

  it("leaves timestamps unchanged without offsets", () => {
    const doubles = stream(file, 8);
    expect(doubles.clockCorrection).toBeUndefined();
    expect(Array.from(doubles.correctedTimestamps)).toEqual(DOUBLES.timestampsS);
  });
});

describe("readXdf chunk handling", () => {
  it("starts deduction at 0 and carries it across chunks", () => {
    const builder = new XdfBuilder().fileHeader().streamHeader(EMG);
    const row = [1, 2, 3];
    builder.samples(EMG, [{ timestampS: undefined, values: row }]);
    builder.samples(EMG, [{ timestampS: undefined, values: row }]);
    builder.samples(EMG, [{ timestampS: 7, values: row }, { timestampS: undefined, values: row }]);
    builder.streamFooter(EMG);
    const found = stream(parseXdf(builder.bytes()), 1);
    expect(Array.from(found.timestamps)).toEqual([0.01, 0.02, 7, 7.01]);
  });

  it("skips a chunk with an unknown tag by its length", () => {
    const builder = new XdfBuilder().fileHeader().streamHeader(MARKERS);
    builder.samples(MARKERS, [{ timestampS: 1, values: ["a"] }]);
    builder.chunk(99, undefined, new Uint8Array(300).fill(0x04));
    builder.samples(MARKERS, [{ timestampS: 2, values: ["b"] }]);
    builder.streamFooter(MARKERS);
    const file = parseXdf(builder.bytes());
    expect(stream(file, 2).values).toEqual([["a"], ["b"]]);
    expect(file.warnings).toEqual([expect.stringMatching(/skipped 1 chunk with unknown tag 99, the first at byte \d+/)]);
  });

  it("skips samples of a stream without a header", () => {
    const builder = new XdfBuilder().fileHeader().streamHeader(MARKERS);
    builder.samples({ ...MARKERS, id: 42 }, [{ timestampS: 1, values: ["lost"] }]);
    builder.samples(MARKERS, [{ timestampS: 2, values: ["kept"] }]);
    builder.streamFooter(MARKERS);
    const file = parseXdf(builder.bytes());
    expect(file.streams.map((found) => found.id)).toEqual([2]);
    expect(stream(file, 2).values).toEqual([["kept"]]);
    expect(file.warnings).toEqual([expect.stringMatching(/skipped 1 Samples chunk of stream 42, the first at byte \d+, because no valid StreamHeader/)]);
  });

  it("reads odd timestamp sizes as 8", () => {
    const builder = new XdfBuilder().fileHeader().streamHeader(MARKERS);
    builder.samples(MARKERS, [{ timestampS: 3.5, values: ["x"] }], 4);
    builder.streamFooter(MARKERS);
    const file = parseXdf(builder.bytes());
    expect(Array.from(stream(file, 2).timestamps)).toEqual([3.5]);
    expect(file.warnings).toEqual([expect.stringMatching(/1 samples of stream 2 \("Markers"\) have a timestamp size other than 0 or 8/)]);
  });

  it("skips a Samples chunk whose content overruns its length and reads the next", () => {
    const builder = new XdfBuilder().fileHeader().streamHeader(DOUBLES);
    const content = Uint8Array.of(...encodeVarlen(3, 4), 8, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f);
    builder.chunk(XDF_TAG.samples, DOUBLES.id, content);
    builder.samples(DOUBLES, [{ timestampS: 1, values: [2] }]);
    builder.streamFooter(DOUBLES);
    const file = parseXdf(builder.bytes());
    expect(numbers(stream(file, 8))).toEqual([2]);
    expect(file.warnings).toEqual([expect.stringMatching(/^the Samples chunk of stream 8 at byte \d+ was skipped: num_samples 3 cannot fit/)]);
  });

  it("rejects data without the XDF magic", async () => {
    expect(() => parseXdf(new TextEncoder().encode("PK\x03\x04 not xdf"))).toThrow(XdfFormatError);
    expect(() => parseXdf(new Uint8Array(0))).toThrow(/not an XDF file/);
    await expect(readXdf(new TextEncoder().encode("XDF"))).rejects.toThrow(/not an XDF file: it is 3 bytes long/);
  });

  it("rejects invalid options", () => {
    expect(() => parseXdf(new Uint8Array(4), { maxChannelCount: 0 })).toThrow(/maxChannelCount must be a whole number/);
  });
});

describe("readXdf from a path", () => {
  let folder: string;
  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), "myogestic-xdf-"));
  });
  afterAll(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it("reads a file", async () => {
    const path = join(folder, "walk.xdf");
    await writeFile(path, writeLabRecorderXdf([EMG]).bytes);
    const file = await readXdf(path);
    expect(numbers(stream(file, 1))).toEqual(EMG.values.flat());
  });

  it("names a missing file", async () => {
    const path = join(folder, "missing.xdf");
    await expect(readXdf(path)).rejects.toThrow(`XDF file not found: ${path}`);
  });

  it("names a file that is not XDF", async () => {
    const path = join(folder, "notes.xdf");
    await writeFile(path, "hello world");
    await expect(readXdf(path)).rejects.toThrow(`${path} is not an XDF file`);
  });

  it("refuses a file above maxFileBytes before reading it", async () => {
    const path = join(folder, "big.xdf");
    await writeFile(path, writeLabRecorderXdf([EMG]).bytes);
    await expect(readXdf(path, { maxFileBytes: 100 })).rejects.toThrow(/larger than the 100 bytes readXdf reads into memory/);
  });
});

/** Samples each stream has in the Samples chunks that end at or before `cut`. */
function wholeChunkSamples(chunks: readonly WrittenChunk[], cut: number): Map<number, number> {
  const counts = new Map<number, number>();
  for (const chunk of chunks) {
    if (chunk.tag === XDF_TAG.samples && chunk.end <= cut) {
      counts.set(chunk.streamId as number, (counts.get(chunk.streamId as number) ?? 0) + chunk.nSamples);
    }
  }
  return counts;
}

describe("readXdf on damaged files", () => {
  const small = [EMG, MARKERS, EMPTY].map((written) => ({ ...written, clockOffsets: written.clockOffsets?.slice(0, 2) }));
  const { bytes, chunks } = writeLabRecorderXdf(small, { chunkSamples: 8, boundaryEvery: 2 });
  const full = parseXdf(bytes);

  it("returns whole chunks before every cut", () => {
    for (let cut = 0; cut <= bytes.length; cut++) {
      const prefix = bytes.subarray(0, cut);
      if (cut < 4) {
        expect(() => parseXdf(prefix), `cut at ${cut}`).toThrow(XdfFormatError);
        continue;
      }
      const file = parseXdf(prefix);
      const expectedCounts = wholeChunkSamples(chunks, cut);
      const headers = chunks.filter((chunk) => chunk.tag === XDF_TAG.streamHeader && chunk.end <= cut).map((chunk) => chunk.streamId);
      expect(file.streams.map((found) => found.id), `streams at cut ${cut}`).toEqual(headers);
      for (const found of file.streams) {
        const expected = expectedCounts.get(found.id) ?? 0;
        expect(found.nSamples, `samples of stream ${found.id} at cut ${cut}`).toBe(expected);
        expect(found.timestamps, `timestamps of stream ${found.id} at cut ${cut}`).toEqual(stream(full, found.id).timestamps.subarray(0, expected));
        expect(found.values.slice(0, expected * found.channelCount)).toEqual(stream(full, found.id).values.slice(0, expected * found.channelCount));
      }
      const damaged = chunks.find((chunk) => chunk.start < cut && cut < chunk.end);
      if (damaged !== undefined) {
        expect(file.warnings.join("\n"), `warnings at cut ${cut}`).toMatch(new RegExp(`at byte ${damaged.start}\\b.*truncated`));
      }
      if (cut < bytes.length) {
        expect(file.warnings.length, `warnings at cut ${cut}`).toBeGreaterThan(0);
      } else {
        expect(file.warnings).toEqual([]);
      }
    }
  });

  it("resumes after the next Boundary chunk when a length field is corrupt", () => {
    const boundaries = chunks.filter((chunk) => chunk.tag === XDF_TAG.boundary);
    const resumeAt = (boundaries[1] as WrittenChunk).end;
    const damaged = chunks.filter((chunk) => chunk.tag === XDF_TAG.samples && chunk.end < resumeAt && chunk.start > (boundaries[0] as WrittenChunk).end)[0] as WrittenChunk;
    const lost = chunks.filter((chunk) => chunk.start >= damaged.start && chunk.end <= resumeAt && chunk.tag === XDF_TAG.samples);

    for (const [what, patch] of [
      ["a size byte of 7", (copy: Uint8Array) => (copy[damaged.start] = 7)],
      ["an 8-byte length past the end", (copy: Uint8Array) => (copy[damaged.start] = 8)],
      ["a length of 0", (copy: Uint8Array) => (copy[damaged.start + 1] = 0)],
    ] as const) {
      const copy = bytes.slice();
      patch(copy);
      const file = parseXdf(copy);
      for (const found of file.streams) {
        const lostSamples = lost.filter((chunk) => chunk.streamId === found.id).reduce((total, chunk) => total + chunk.nSamples, 0);
        expect(found.nSamples, `${what}: stream ${found.id}`).toBe(stream(full, found.id).nSamples - lostSamples);
      }
      expect(file.warnings, what).toEqual([expect.stringMatching(new RegExp(`chunk.* at byte ${damaged.start}.*reading resumed after the next Boundary chunk, at byte ${resumeAt}`))]);
    }
  });

  it("keeps samples of an overlong chunk", () => {
    const boundaries = chunks.filter((chunk) => chunk.tag === XDF_TAG.boundary);
    const resumeAt = (boundaries[1] as WrittenChunk).end;
    const damaged = chunks.filter((chunk) => chunk.tag === XDF_TAG.samples && chunk.end < resumeAt && chunk.start > (boundaries[0] as WrittenChunk).end)[0] as WrittenChunk;
    const lost = chunks.filter((chunk) => chunk.start > damaged.start && chunk.end <= resumeAt && chunk.tag === XDF_TAG.samples);
    const copy = bytes.slice();
    expect(copy[damaged.start]).toBe(1);
    copy[damaged.start + 1] = (copy[damaged.start + 1] as number) + 3;
    const file = parseXdf(copy);
    for (const found of file.streams) {
      const lostSamples = lost.filter((chunk) => chunk.streamId === found.id).reduce((total, chunk) => total + chunk.nSamples, 0);
      expect(found.nSamples, `stream ${found.id}`).toBe(stream(full, found.id).nSamples - lostSamples);
    }
    expect(file.warnings).toEqual([
      expect.stringMatching(new RegExp(`Samples chunk .* at byte ${damaged.start} has 3 bytes after its last sample .*samples were kept; reading resumed .* at byte ${resumeAt}`)),
    ]);
  });

  it("recovers from a 1 TB chunk length without allocating it", () => {
    const builder = new XdfBuilder().fileHeader().streamHeader(MARKERS);
    builder.samples(MARKERS, [{ timestampS: 1, values: ["before"] }]);
    const hugeAt = builder.length;
    builder.raw(encodeVarlen(2 ** 40, 8)).raw(Uint8Array.of(XDF_TAG.samples, 0, 2, 0, 0, 0, 1, 2, 3));
    builder.boundary();
    builder.samples(MARKERS, [{ timestampS: 2, values: ["after"] }]).streamFooter(MARKERS);
    const file = parseXdf(builder.bytes());
    expect(stream(file, 2).values).toEqual([["before"], ["after"]]);
    expect(file.warnings).toEqual([expect.stringMatching(new RegExp(`Samples chunk of stream 2 at byte ${hugeAt} declares 1099511627776 bytes`))]);
  });

  it("skips a stream declaring 2^31 channels without allocating", () => {
    const huge: TestStream = { ...EMG, id: 5, channelCount: 2 ** 31, timestampsS: [], values: [] };
    const builder = new XdfBuilder().fileHeader().streamHeader(huge).streamHeader(MARKERS);
    builder.chunk(XDF_TAG.samples, 5, Uint8Array.of(...encodeVarlen(1000, 4), 0, 0, 0, 0));
    builder.samples(MARKERS, [{ timestampS: 1, values: ["ok"] }]).streamFooter(MARKERS);
    const before = process.memoryUsage().arrayBuffers;
    const file = parseXdf(builder.bytes());
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(16 * 2 ** 20);
    expect(file.streams.map((found) => found.id)).toEqual([2]);
    expect(file.warnings).toEqual([
      expect.stringMatching(/StreamHeader chunk of stream 5 at byte \d+ was skipped: channel_count 2147483648 is above the 65536 accepted/),
      expect.stringMatching(/skipped 1 Samples chunk of stream 5/),
    ]);
  });

  it("skips a Samples chunk declaring 2^40 samples without allocating", () => {
    const builder = new XdfBuilder().fileHeader().streamHeader(EMG);
    builder.chunk(XDF_TAG.samples, EMG.id, Uint8Array.of(...encodeVarlen(2 ** 40, 8), 0, 1, 2, 3));
    builder.chunk(XDF_TAG.samples, EMG.id, Uint8Array.of(...encodeVarlen(2 ** 32 - 1, 4), 0));
    builder.samples(EMG, [{ timestampS: 1, values: [1, 2, 3] }]).streamFooter(EMG);
    const before = process.memoryUsage().arrayBuffers;
    const file = parseXdf(builder.bytes());
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(16 * 2 ** 20);
    expect(numbers(stream(file, 1))).toEqual([1, 2, 3]);
    expect(file.warnings).toEqual([
      expect.stringMatching(/was skipped: num_samples 1099511627776 cannot fit in the 4 bytes left/),
      expect.stringMatching(/was skipped: num_samples 4294967295 cannot fit in the 1 bytes left/),
    ]);
  });
});

/** Checks the invariants every stream of a read file keeps, whatever the input. */
function checkShape(file: XdfFile): void {
  for (const found of file.streams) {
    expect(found.timestamps).toHaveLength(found.nSamples);
    expect(found.correctedTimestamps).toHaveLength(found.nSamples);
    const expectedValues = found.channelFormat === "string" ? found.nSamples : found.nSamples * found.channelCount;
    expect(found.values).toHaveLength(expectedValues);
  }
}

describe("readXdf fuzzing", () => {
  const { bytes } = writeLabRecorderXdf([EMG, MARKERS, INTEGER_STREAMS[1] as TestStream, WORDS], { chunkSamples: 4, boundaryEvery: 3 });

  it("survives random byte changes", () => {
    const flip = fc.record({ at: fc.nat({ max: bytes.length - 1 }), value: fc.integer({ min: 0, max: 255 }) });
    fc.assert(
      fc.property(fc.array(flip, { minLength: 1, maxLength: 12 }), fc.nat({ max: bytes.length }), (flips, cut) => {
        const copy = bytes.slice(0, Math.max(cut, bytes.length - 40));
        for (const { at, value } of flips) {
          if (at < copy.length) {
            copy[at] = value;
          }
        }
        try {
          checkShape(parseXdf(copy));
        } catch (error) {
          expect(error).toBeInstanceOf(XdfFormatError);
        }
      }),
      { numRuns: FUZZ_RUNS },
    );
  });

  it("survives random bytes after the magic", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), (tail) => {
        const copy = new Uint8Array(4 + tail.length);
        copy.set(new TextEncoder().encode("XDF:"));
        copy.set(tail, 4);
        checkShape(parseXdf(copy));
      }),
      { numRuns: FUZZ_RUNS },
    );
  });
});
