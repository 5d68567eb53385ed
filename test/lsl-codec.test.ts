import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { LslProtocolError } from "../src/lsl/errors.js";
import { CHANNEL_FORMATS, type ChannelFormat } from "../src/lsl/formats.js";
import {
  encodeArchiveHeader,
  encodeArchiveValue,
  encodeChunk100,
  encodeSamples100,
} from "../src/lsl/portable-archive.js";
import { SampleDecoder100, type SampleDecoder100Options } from "../src/lsl/portable-archive-decoder.js";
import { chunkSample, samplesFromChunk, type LslChunk, type LslSample } from "../src/lsl/sample-chunk.js";
import {
  encodeChunk110,
  encodeSamples110,
  isLittleEndianByteOrder,
  SampleDecoder110,
  type SampleDecoder110Options,
} from "../src/lsl/sample-codec.js";
import { matchesTestPattern, TEST_PATTERN_TIMESTAMP, testPatternSample, testPatternValues } from "../src/lsl/test-pattern.js";

/** Property runs per fuzz test; set FUZZ_RUNS to run longer. */
const FUZZ_RUNS = parseFuzzRuns(process.env.FUZZ_RUNS);

function parseFuzzRuns(text: string | undefined): number {
  if (text === undefined || text === "") {
    return 200;
  }
  const runs = Number(text);
  if (!Number.isInteger(runs) || runs < 1) {
    throw new RangeError(`FUZZ_RUNS=${text} is invalid; set it to a whole number of runs, such as 5000`);
  }
  return runs;
}

/** Parses hex bytes written with spaces, as the protocol notes print them. */
function hex(text: string): Uint8Array {
  const digits = text.replace(/\s+/g, "");
  return Uint8Array.from(Buffer.from(digits, "hex"));
}

function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("hex").replace(/(..)(?!$)/g, "$1 ");
}

function concat(...parts: Uint8Array[]): Uint8Array {
  return Uint8Array.from(Buffer.concat(parts));
}

/** Builds a stream info document of exactly `length` UTF-8 bytes by padding its name. */
function shortinfoOfLength(length: number): string {
  const head = '<?xml version="1.0"?>\n<info>\n\t<name>';
  const tail = "</name>\n\t<type>EMG</type>\n\t<channel_count>2</channel_count>\n\t<channel_format>float32</channel_format>\n</info>\n";
  return head + "x".repeat(length - head.length - tail.length) + tail;
}

/** Decodes a whole 1.10 feed pushed in the given pieces and returns its samples. */
function decode110(format: ChannelFormat, nChannels: number, pieces: Uint8Array[], options: SampleDecoder110Options): LslSample[] {
  const decoder = new SampleDecoder110(format, nChannels, options);
  const samples = pieces.flatMap((piece) => samplesFromChunk(decoder.push(piece)));
  expect(decoder.bufferedBytes).toBe(0);
  return samples;
}

/** Decodes a whole 1.00 feed pushed in the given pieces and returns its shortinfo and samples. */
function decode100(
  format: ChannelFormat,
  nChannels: number,
  pieces: Uint8Array[],
  options: SampleDecoder100Options = {},
): { shortinfoXml: string | undefined; samples: LslSample[] } {
  const decoder = new SampleDecoder100(format, nChannels, options);
  const shortinfos: string[] = [];
  const samples: LslSample[] = [];
  for (const piece of pieces) {
    const output = decoder.push(piece);
    if (output.shortinfoXml !== undefined) {
      shortinfos.push(output.shortinfoXml);
    }
    samples.push(...samplesFromChunk(output.chunk));
  }
  expect(shortinfos.length).toBeLessThanOrEqual(1);
  expect(decoder.bufferedBytes).toBe(0);
  return { shortinfoXml: shortinfos[0], samples };
}

function oneBytePieces(bytes: Uint8Array): Uint8Array[] {
  return Array.from(bytes, (byte) => Uint8Array.of(byte));
}

/** Cuts `bytes` at the given positions (taken modulo the length, in any order). */
function splitAt(bytes: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((cut) => (bytes.length === 0 ? 0 : cut % (bytes.length + 1))))].sort((a, b) => a - b);
  const pieces: Uint8Array[] = [];
  let start = 0;
  for (const point of [...points, bytes.length]) {
    pieces.push(bytes.subarray(start, point));
    start = point;
  }
  return pieces;
}

const HANDSHAKE_110_FLOAT32 = hex(`
  02 c9 76 be 9f 0c 24 fe 40 00 00 80 40 00 00 a0 c0
  02 c9 76 be 9f 0c 24 fe 40 00 00 00 40 00 00 40 c0`);
const DATA_110_FLOAT32 = hex(`
  02 c3 bb d8 8b d7 53 81 40 00 00 00 00 00 00 80 3f
  01 00 00 00 40 00 00 40 40`);
const PATTERNS_100_FLOAT32 = hex(`
  00 00
  01 02 08 c9 76 be 9f 0c 24 fe 40 04 00 00 80 40 04 00 00 a0 c0
  01 02 08 c9 76 be 9f 0c 24 fe 40 04 00 00 00 40 04 00 00 40 c0`);

const HANDSHAKE_SAMPLES: LslSample[] = [
  { timestamp: TEST_PATTERN_TIMESTAMP, values: [4, -5] },
  { timestamp: TEST_PATTERN_TIMESTAMP, values: [2, -3] },
];
const DATA_SAMPLES: LslSample[] = [
  { timestamp: 554.480247205, values: [0, 1] },
  { timestamp: undefined, values: [2, 3] },
];

describe("captured 1.10 bytes", () => {
  it("decodes the float32 handshake", () => {
    expect(decode110("float32", 2, [HANDSHAKE_110_FLOAT32], { littleEndian: true })).toEqual(HANDSHAKE_SAMPLES);
  });

  it("encodes the float32 handshake", () => {
    const patterns = [testPatternSample("float32", 2, 4), testPatternSample("float32", 2, 2)];
    expect(toHex(encodeSamples110("float32", 2, patterns, { littleEndian: true }))).toBe(toHex(HANDSHAKE_110_FLOAT32));
  });

  it("decodes transmitted and deduced data samples", () => {
    expect(decode110("float32", 2, [DATA_110_FLOAT32], { littleEndian: true })).toEqual(DATA_SAMPLES);
  });

  it("encodes transmitted and deduced data samples", () => {
    expect(toHex(encodeSamples110("float32", 2, DATA_SAMPLES, { littleEndian: true }))).toBe(toHex(DATA_110_FLOAT32));
  });

  it("decodes one byte per push", () => {
    const whole = concat(HANDSHAKE_110_FLOAT32, DATA_110_FLOAT32);
    const bytewise = decode110("float32", 2, oneBytePieces(whole), { littleEndian: true });
    expect(bytewise).toEqual([...HANDSHAKE_SAMPLES, ...DATA_SAMPLES]);
  });

  it("reads unknown tags as transmitted", () => {
    const bytes = HANDSHAKE_110_FLOAT32.slice(0, 17);
    bytes[0] = 0x07;
    expect(decode110("float32", 2, [bytes], { littleEndian: true })).toEqual([HANDSHAKE_SAMPLES[0]]);
  });
});

describe("captured 1.00 bytes", () => {
  const xml = shortinfoOfLength(620);
  const feed = concat(encodeArchiveHeader(xml), PATTERNS_100_FLOAT32);

  it("encodes the 620-byte shortinfo header", () => {
    const header = encodeArchiveHeader(xml);
    expect(toHex(header.subarray(0, 11))).toBe("7f 01 09 02 6c 02 3c 3f 78 6d 6c");
    expect(header.length).toBe(6 + 620);
  });

  it("encodes test patterns with marker", () => {
    const patterns = [testPatternSample("float32", 2, 4), testPatternSample("float32", 2, 2)];
    expect(toHex(encodeSamples100("float32", 2, patterns, { classMarkerWritten: false }))).toBe(toHex(PATTERNS_100_FLOAT32));
  });

  it("writes the class marker once", () => {
    const patterns = [testPatternSample("float32", 2, 4), testPatternSample("float32", 2, 2)];
    const later = encodeSamples100("float32", 2, patterns, { classMarkerWritten: true });
    expect(toHex(later)).toBe(toHex(PATTERNS_100_FLOAT32.subarray(2)));
    expect(encodeSamples100("float32", 2, [], { classMarkerWritten: false }).length).toBe(0);
  });

  it("decodes header and test patterns", () => {
    const decoded = decode100("float32", 2, [feed]);
    expect(decoded.shortinfoXml).toBe(xml);
    expect(decoded.samples).toEqual(HANDSHAKE_SAMPLES);
  });

  it("decodes one byte per push", () => {
    const decoded = decode100("float32", 2, oneBytePieces(feed));
    expect(decoded.shortinfoXml).toBe(xml);
    expect(decoded.samples).toEqual(HANDSHAKE_SAMPLES);
  });
});

describe("compressed integers", () => {
  const cases: [ChannelFormat, number | bigint | string, string][] = [
    ["int8", 5, "01 05"],
    ["int8", -6, "ff fa"],
    ["double64", 0, "00"],
    ["float32", 0, "00"],
    ["float32", Number.NaN, "04 ff ff ff 7f"],
    ["double64", Number.NaN, "08 ff ff ff ff ff ff ff 7f"],
    ["string", "10", "01 02 31 30"],
    ["string", "", "00"],
    ["double64", TEST_PATTERN_TIMESTAMP, "08 c9 76 be 9f 0c 24 fe 40"],
    ["float32", 4, "04 00 00 80 40"],
    ["float32", -5, "04 00 00 a0 c0"],
    ["float32", Number.POSITIVE_INFINITY, "04 00 00 80 7f"],
    ["float32", Number.NEGATIVE_INFINITY, "04 00 00 80 ff"],
    ["double64", -0, "08 00 00 00 00 00 00 00 80"],
    ["int16", 200, "01 c8"],
    ["int16", -200, "ff 38"],
    ["int16", 256, "02 00 01"],
    ["int16", -256, "ff 00"],
    ["int32", -1, "ff ff"],
    ["int32", -129, "ff 7f"],
    ["int64", 2147483653n, "04 05 00 00 80"],
    ["int64", -2147483654n, "fc fa ff ff 7f"],
    ["int64", -(2n ** 63n), "f8 00 00 00 00 00 00 00 80"],
  ];

  it.each(cases)("encodes %s %s as %s", (format, value, expected) => {
    expect(toHex(encodeArchiveValue(format, value))).toBe(expected);
  });

  it.each(cases)("decodes %s %s from %s", (format, value, bytes) => {
    const feed = concat(encodeArchiveHeader("<info/>"), hex("00 00 01 01"), hex(bytes));
    const [sample] = decode100(format, 1, [feed]).samples;
    expect(sample?.values).toEqual([value]);
    expect(sample?.timestamp).toBeUndefined();
  });

  it("accepts an over-long value encoding", () => {
    const feed = concat(encodeArchiveHeader("<info/>"), hex("00 00 01 01 02 05 00"));
    expect(decode100("int16", 1, [feed]).samples[0]?.values).toEqual([5]);
  });
});

describe("test patterns", () => {
  const verified: [ChannelFormat, unknown[], unknown[]][] = [
    ["float32", [4, -5], [2, -3]],
    ["double64", [16777221, -16777222], [16777219, -16777220]],
    ["int8", [5, -6], [3, -4]],
    ["int16", [261, -262], [259, -260]],
    ["int32", [65541, -65542], [65539, -65540]],
    ["int64", [2147483653n, -2147483654n], [2147483651n, -2147483652n]],
    ["string", ["10", "-11"], ["10", "-11"]],
  ];

  it.each(verified)("gives the captured %s values", (format, first, second) => {
    expect(testPatternValues(format, 2, 4)).toEqual(first);
    expect(testPatternValues(format, 2, 2)).toEqual(second);
  });

  it("wraps integers at the type maximum", () => {
    const values = testPatternValues("int8", 130, 4) as number[];
    expect(values[122]).toBe(0);
    expect(values[123]).toBe(-1);
    expect(Object.is(values[122], -0)).toBe(false);
  });

  it.each(CHANNEL_FORMATS)("round-trips %s patterns through both protocols", (format) => {
    const patterns = [testPatternSample(format, 3, 4), testPatternSample(format, 3, 2)];
    const wire110 = encodeSamples110(format, 3, patterns, { littleEndian: true });
    const via110 = decode110(format, 3, [wire110], { littleEndian: true });
    const wire100 = concat(encodeArchiveHeader("<info/>"), encodeSamples100(format, 3, patterns, { classMarkerWritten: false }));
    const via100 = decode100(format, 3, [wire100]).samples;
    for (const received of [via110, via100]) {
      expect(received.length).toBe(2);
      expect(matchesTestPattern(received[0] as LslSample, format, 3, 4)).toBe(true);
      expect(matchesTestPattern(received[1] as LslSample, format, 3, 2)).toBe(true);
      expect(matchesTestPattern(received[1] as LslSample, format, 3, 4)).toBe(format === "string");
    }
  });

  it("rejects an int64 off by one", () => {
    const sample = testPatternSample("int64", 2, 4);
    const values = [...(sample.values as bigint[])];
    values[0] = (values[0] as bigint) + 1n;
    expect(matchesTestPattern({ timestamp: sample.timestamp, values }, "int64", 2, 4)).toBe(false);
  });
});

/** Two samples of each format, with a deduced timestamp and edge values. */
const ROUND_TRIP_SAMPLES: Record<ChannelFormat, LslSample[]> = {
  float32: [
    { timestamp: 1.5, values: [0.25, -0, Number.POSITIVE_INFINITY] },
    { timestamp: undefined, values: [Number.NaN, Math.fround(1e-40), -3.5] },
  ],
  double64: [
    { timestamp: -2.25, values: [Number.MAX_VALUE, Number.MIN_VALUE, -0] },
    { timestamp: undefined, values: [Number.NaN, Number.NEGATIVE_INFINITY, Math.PI] },
  ],
  int8: [
    { timestamp: 0, values: [-128, 127, 0] },
    { timestamp: undefined, values: [-1, 1, 100] },
  ],
  int16: [
    { timestamp: 3, values: [-32768, 32767, 0] },
    { timestamp: undefined, values: [-129, 256, 255] },
  ],
  int32: [
    { timestamp: 4, values: [-2147483648, 2147483647, 0] },
    { timestamp: undefined, values: [-65536, 65535, 16777216] },
  ],
  int64: [
    { timestamp: 5, values: [-(2n ** 63n), 2n ** 63n - 1n, 0n] },
    { timestamp: undefined, values: [2n ** 53n + 1n, -(2n ** 40n), 1n] },
  ],
  string: [
    { timestamp: 6, values: ["", "x".repeat(255), "y".repeat(256)] },
    { timestamp: undefined, values: ["z".repeat(70000), "\uFEFFgrüße 🎉", "-11"] },
  ],
};

describe("round trips", () => {
  for (const format of CHANNEL_FORMATS) {
    const samples = ROUND_TRIP_SAMPLES[format];

    it(`round-trips ${format} in 1.10 little-endian`, () => {
      const bytes = encodeSamples110(format, 3, samples, { littleEndian: true });
      expect(decode110(format, 3, [bytes], { littleEndian: true })).toEqual(samples);
      expect(decode110(format, 3, oneBytePieces(bytes), { littleEndian: true })).toEqual(samples);
    });

    it(`round-trips ${format} in 1.10 big-endian`, () => {
      const bytes = encodeSamples110(format, 3, samples, { littleEndian: false });
      expect(decode110(format, 3, [bytes], { littleEndian: false })).toEqual(samples);
      expect(decode110(format, 3, oneBytePieces(bytes), { littleEndian: false })).toEqual(samples);
    });

    it(`round-trips ${format} in 1.00`, () => {
      const bytes = concat(encodeArchiveHeader("<info/>"), encodeSamples100(format, 3, samples, { classMarkerWritten: false }));
      expect(decode100(format, 3, [bytes]).samples).toEqual(samples);
      expect(decode100(format, 3, oneBytePieces(bytes)).samples).toEqual(samples);
    });
  }

  it("writes big-endian 1.10 fields", () => {
    const bytes = encodeSamples110("int16", 1, [{ timestamp: 1, values: [0x0102] }], { littleEndian: false });
    expect(toHex(bytes)).toBe("02 3f f0 00 00 00 00 00 00 01 02");
    const text = encodeSamples110("string", 1, [{ timestamp: undefined, values: ["y".repeat(256)] }], { littleEndian: false });
    expect(toHex(text.subarray(0, 6))).toBe("01 04 00 00 01 00");
  });

  it("sizes 1.10 string length fields", () => {
    const bytes = encodeSamples110("string", 3, [ROUND_TRIP_SAMPLES.string[0] as LslSample], { littleEndian: true });
    expect(toHex(bytes.subarray(9, 11))).toBe("01 00");
    expect(toHex(bytes.subarray(11, 13))).toBe("01 ff");
    expect(toHex(bytes.subarray(13 + 255, 13 + 255 + 5))).toBe("04 00 01 00 00");
  });

  it("reads 2- and 8-byte length fields", () => {
    const bytes = hex("01 02 02 00 61 62 08 01 00 00 00 00 00 00 00 63");
    expect(decode110("string", 2, [bytes], { littleEndian: true })).toEqual([{ timestamp: undefined, values: ["ab", "c"] }]);
  });

  it("keeps int64 values exact", () => {
    const value = 2n ** 62n + 1n;
    const bytes = encodeSamples110("int64", 1, [{ timestamp: undefined, values: [value] }], { littleEndian: true });
    const chunk = new SampleDecoder110("int64", 1, { littleEndian: true }).push(bytes);
    expect(chunk.int64Values?.[0]).toBe(value);
    expect(chunk.values[0]).toBe(2 ** 62);
    expect(chunkSample(chunk, 0).values).toEqual([value]);
  });

  it("decodes float32 streams into a Float32Array", () => {
    const chunk = new SampleDecoder110("float32", 2, { littleEndian: true }).push(DATA_110_FLOAT32);
    expect(chunk.values).toBeInstanceOf(Float32Array);
    expect(Array.from(chunk.values)).toEqual([0, 1, 2, 3]);
    expect(chunk.timestamps[1]).toBeNaN();
  });

  it("encodes chunks like samples", () => {
    const chunk = new SampleDecoder110("float32", 2, { littleEndian: true }).push(DATA_110_FLOAT32);
    expect(toHex(encodeChunk110(chunk, { littleEndian: true }))).toBe(toHex(DATA_110_FLOAT32));
    const samples100 = encodeSamples100("float32", 2, DATA_SAMPLES, { classMarkerWritten: true });
    expect(toHex(encodeChunk100(chunk, { classMarkerWritten: true }))).toBe(toHex(samples100));
  });

  it("buffers only the incomplete sample", () => {
    const decoder = new SampleDecoder110("float32", 2, { littleEndian: true });
    const whole = concat(HANDSHAKE_110_FLOAT32, DATA_110_FLOAT32);
    expect(decoder.push(whole.subarray(0, 25)).count).toBe(1);
    expect(decoder.bufferedBytes).toBe(8);
    expect(decoder.push(whole.subarray(25, 40)).count).toBe(1);
    expect(decoder.bufferedBytes).toBe(6);
    expect(decoder.push(whole.subarray(40)).count).toBe(2);
    expect(decoder.bufferedBytes).toBe(0);
  });
});

describe("encoder input checks", () => {
  it("rejects a wrong number of values", () => {
    expect(() => encodeSamples110("float32", 2, [{ timestamp: 1, values: [1] }], { littleEndian: true })).toThrow(RangeError);
  });

  it("rejects integers out of range", () => {
    expect(() => encodeSamples110("int8", 1, [{ timestamp: 1, values: [128] }], { littleEndian: true })).toThrow(/int8/);
    expect(() => encodeSamples100("int16", 1, [{ timestamp: 1, values: [1.5] }], { classMarkerWritten: true })).toThrow(/int16/);
    expect(() => encodeSamples110("int64", 1, [{ timestamp: 1, values: [2n ** 63n] }], { littleEndian: true })).toThrow(RangeError);
  });

  it("rejects values of the wrong type", () => {
    expect(() => encodeSamples110("string", 1, [{ timestamp: 1, values: [1] }], { littleEndian: true })).toThrow(TypeError);
    expect(() => encodeSamples110("float32", 1, [{ timestamp: 1, values: ["1"] }], { littleEndian: true })).toThrow(TypeError);
  });

  it("rejects a NaN timestamp", () => {
    expect(() => encodeSamples110("float32", 1, [{ timestamp: Number.NaN, values: [1] }], { littleEndian: true })).toThrow(/undefined/);
  });

  it("maps Byte-Order values", () => {
    expect(isLittleEndianByteOrder(1234)).toBe(true);
    expect(isLittleEndianByteOrder(4321)).toBe(false);
    expect(() => isLittleEndianByteOrder(1324)).toThrow(LslProtocolError);
  });
});

describe("decoder limits and errors", () => {
  it("rejects a 1.10 string length of 2^40", () => {
    const bytes = hex("01 08 00 00 00 00 00 01 00 00");
    const decoder = new SampleDecoder110("string", 1, { littleEndian: true });
    expect(() => decoder.push(bytes)).toThrow(/declares 1099511627776 bytes/);
  });

  it("rejects a 1.00 string length of 2^40", () => {
    const bytes = concat(encodeArchiveHeader("<info/>"), hex("00 00 01 01 06 00 00 00 00 00 01"));
    const decoder = new SampleDecoder100("string", 1);
    expect(() => decoder.push(bytes)).toThrow(LslProtocolError);
    expect(() => new SampleDecoder100("string", 1).push(bytes)).toThrow(/declares 1099511627776 bytes/);
  });

  it("rejects a string over maxStringBytes", () => {
    const bytes = encodeSamples110("string", 1, [{ timestamp: undefined, values: ["abcde"] }], { littleEndian: true });
    const decoder = new SampleDecoder110("string", 1, { littleEndian: true, maxStringBytes: 4 });
    expect(() => decoder.push(bytes.subarray(0, 3))).toThrow(/maxStringBytes 4/);
  });

  it("rejects a 1.10 length field of 3 bytes", () => {
    const decoder = new SampleDecoder110("string", 1, { littleEndian: true });
    expect(() => decoder.push(hex("01 03 00 00 00"))).toThrow(/3 bytes wide/);
  });

  it("stays failed after a protocol error", () => {
    const decoder = new SampleDecoder110("string", 1, { littleEndian: true });
    expect(() => decoder.push(hex("01 03"))).toThrow(LslProtocolError);
    expect(() => decoder.push(hex("01 01 00"))).toThrow(/already failed/);
  });

  it("rejects a wrong 1.00 magic byte or version", () => {
    expect(() => new SampleDecoder100("float32", 1).push(hex("7e"))).toThrow(/magic byte is 0x7e/);
    expect(() => new SampleDecoder100("float32", 1).push(hex("7f 01 0a"))).toThrow(/version is 10/);
  });

  it("rejects a shortinfo over maxShortinfoBytes", () => {
    const header = encodeArchiveHeader(shortinfoOfLength(620));
    const decoder = new SampleDecoder100("float32", 2, { maxShortinfoBytes: 619 });
    expect(() => decoder.push(header.subarray(0, 6))).toThrow(/maxShortinfoBytes 619/);
  });

  it("rejects a missing class marker", () => {
    const bytes = concat(encodeArchiveHeader("<info/>"), PATTERNS_100_FLOAT32.subarray(2));
    expect(() => new SampleDecoder100("float32", 2).push(bytes)).toThrow(/class marker/);
  });

  it("rejects an over-wide size byte", () => {
    const feed = concat(encodeArchiveHeader("<info/>"), hex("00 00 01 01 03 00 00 00"));
    expect(() => new SampleDecoder100("int16", 1).push(feed)).toThrow(/size byte 3, wider than its 2 bytes/);
  });

  it("rejects a negative size byte for a float", () => {
    const feed = concat(encodeArchiveHeader("<info/>"), hex("00 00 01 01 ff 00"));
    expect(() => new SampleDecoder100("float32", 1).push(feed)).toThrow(/negative size byte -1/);
  });

  it("rejects a sample tag wider than one byte", () => {
    const feed = concat(encodeArchiveHeader("<info/>"), hex("00 00 02 01 00"));
    expect(() => new SampleDecoder100("int8", 1).push(feed)).toThrow(/sample tag/);
  });
});

/** Arbitrary values of one channel of `format`, as the decoders return them. */
function valueArbitrary(format: ChannelFormat): fc.Arbitrary<number | bigint | string> {
  switch (format) {
    case "float32":
      return fc.float();
    case "double64":
      return fc.double();
    case "int8":
      return fc.integer({ min: -128, max: 127 });
    case "int16":
      return fc.integer({ min: -32768, max: 32767 });
    case "int32":
      return fc.integer({ min: -2147483648, max: 2147483647 });
    case "int64":
      return fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
    case "string":
      return fc.string({ unit: "grapheme", maxLength: 12 });
  }
}

/** A format, a channel count and samples of that shape. */
const streamArbitrary = fc
  .record({ format: fc.constantFrom(...CHANNEL_FORMATS), nChannels: fc.integer({ min: 0, max: 5 }) })
  .chain(({ format, nChannels }) =>
    fc.record({
      format: fc.constant(format),
      nChannels: fc.constant(nChannels),
      samples: fc.array(
        fc.record({
          timestamp: fc.option(fc.double({ noNaN: true }), { nil: undefined }),
          values: fc.array(valueArbitrary(format), { minLength: nChannels, maxLength: nChannels }),
        }),
        { maxLength: 6 },
      ),
    }),
  );

/** A valid feed of either protocol, with how to decode it. */
interface Feed {
  readonly format: ChannelFormat;
  readonly nChannels: number;
  readonly samples: LslSample[];
  readonly protocol: 100 | 110;
  readonly littleEndian: boolean;
  readonly bytes: Uint8Array;
}

const feedArbitrary: fc.Arbitrary<Feed> = fc
  .record({ stream: streamArbitrary, protocol: fc.constantFrom<100 | 110>(100, 110), littleEndian: fc.boolean() })
  .map(({ stream, protocol, littleEndian }) => {
    const samples = stream.samples as LslSample[];
    const bytes =
      protocol === 110
        ? encodeSamples110(stream.format, stream.nChannels, samples, { littleEndian })
        : concat(encodeArchiveHeader("<info>fuzz</info>"), encodeSamples100(stream.format, stream.nChannels, samples, { classMarkerWritten: false }));
    return { ...stream, samples, protocol, littleEndian, bytes };
  });

/** Pushes pieces into a fresh decoder of the feed's protocol; returns the samples decoded. */
function pushAll(feed: Feed, pieces: Uint8Array[], maxStringBytes: number): LslSample[] {
  const samples: LslSample[] = [];
  let fed = 0;
  if (feed.protocol === 110) {
    const decoder = new SampleDecoder110(feed.format, feed.nChannels, { littleEndian: feed.littleEndian, maxStringBytes });
    for (const piece of pieces) {
      const chunk: LslChunk = decoder.push(piece);
      fed += piece.length;
      expect(chunk.count).toBeLessThanOrEqual(fed);
      expect(decoder.bufferedBytes).toBeLessThanOrEqual(fed);
      samples.push(...samplesFromChunk(chunk));
    }
  } else {
    const decoder = new SampleDecoder100(feed.format, feed.nChannels, { maxStringBytes, maxShortinfoBytes: 64 });
    for (const piece of pieces) {
      const output = decoder.push(piece);
      fed += piece.length;
      expect(output.chunk.count).toBeLessThanOrEqual(fed);
      expect(decoder.bufferedBytes).toBeLessThanOrEqual(fed);
      samples.push(...samplesFromChunk(output.chunk));
    }
  }
  return samples;
}

describe("codec properties", () => {
  it("round-trips random samples split anywhere", () => {
    fc.assert(
      fc.property(feedArbitrary, fc.array(fc.nat(), { maxLength: 8 }), (feed, cuts) => {
        expect(pushAll(feed, splitAt(feed.bytes, cuts), 1024)).toEqual(feed.samples);
      }),
      { numRuns: FUZZ_RUNS },
    );
  });

  it("raises only LslProtocolError on corrupted feeds", () => {
    const edit = fc.record({ position: fc.nat(), byte: fc.integer({ min: 0, max: 255 }), kind: fc.constantFrom("set", "insert", "delete") });
    fc.assert(
      fc.property(feedArbitrary, fc.array(edit, { minLength: 1, maxLength: 6 }), fc.array(fc.nat(), { maxLength: 6 }), fc.nat(), (feed, edits, cuts, keep) => {
        const bytes = Array.from(feed.bytes);
        for (const { position, byte, kind } of edits) {
          const at = position % (bytes.length + 1);
          if (kind === "insert") {
            bytes.splice(at, 0, byte);
          } else if (kind === "delete") {
            bytes.splice(at, 1);
          } else if (at < bytes.length) {
            bytes[at] = byte;
          }
        }
        const corrupted = Uint8Array.from(bytes.slice(0, keep % (bytes.length + 1)));
        try {
          pushAll(feed, splitAt(corrupted, cuts), 64);
        } catch (error) {
          expect(error).toBeInstanceOf(LslProtocolError);
        }
      }),
      { numRuns: FUZZ_RUNS },
    );
  });

  it("decodes truncated feeds to a prefix", () => {
    fc.assert(
      fc.property(feedArbitrary, fc.nat(), (feed, keep) => {
        const truncated = feed.bytes.subarray(0, keep % (feed.bytes.length + 1));
        const samples = pushAll(feed, [truncated], 1024);
        expect(samples).toEqual(feed.samples.slice(0, samples.length));
      }),
      { numRuns: FUZZ_RUNS },
    );
  });
});
