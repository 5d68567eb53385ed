/**
 * Writes XDF files for tests, in the layout LabRecorder uses. A file starts with the magic, a
 * FileHeader and one StreamHeader per stream. Each stream's first sample comes alone in its
 * own Samples chunk, then chunks of several samples follow with ClockOffset and Boundary
 * chunks between them, and a StreamFooter per stream ends the file. Numbers of samples are
 * always written in the 4-byte variable-length form, as LabRecorder does.
 */
import { valueBytes, type ChannelFormat } from "../../src/lsl/formats.js";
import { writeXmlDocument, type XmlElement, type XmlNode } from "../../src/lsl/xml.js";
import { XDF_BOUNDARY_UUID, XDF_MAGIC, XDF_TAG } from "../../src/xdf/bytes.js";

/** A chunk as written: its tag, stream id, byte range and the samples it holds. */
export interface WrittenChunk {
  readonly tag: number;
  readonly streamId: number | undefined;
  /** Offset of the chunk's length field. */
  readonly start: number;
  /** Offset just after the chunk. */
  readonly end: number;
  /** Samples in a Samples chunk; 0 for other chunks. */
  readonly nSamples: number;
}

/** One sample to write: `timestampS` undefined writes it without a timestamp (deduced by readers). */
export interface TestSample {
  readonly timestampS: number | undefined;
  readonly values: readonly (number | bigint | string)[];
}

/** A stream to write with {@link writeLabRecorderXdf}. */
export interface TestStream {
  readonly id: number;
  readonly name: string;
  readonly type?: string;
  readonly channelFormat: ChannelFormat;
  readonly channelCount: number;
  readonly nominalSrateHz: number;
  readonly channelLabels?: readonly string[];
  /** Raw timestamps on the stream's clock, one per sample. */
  readonly timestampsS: readonly number[];
  /** Values, one array of `channelCount` per sample. */
  readonly values: readonly (readonly (number | bigint | string)[])[];
  readonly clockOffsets?: readonly { readonly collectionTimeS: number; readonly offsetS: number }[];
  /**
   * Whether to leave out each timestamp that equals the previous one plus `1 / nominalSrateHz`
   * in float64 arithmetic, as readers deduce it. Default false.
   */
  readonly deduceTimestamps?: boolean;
}

/** Layout choices of {@link writeLabRecorderXdf}. */
export interface TestLayout {
  /** Samples per Samples chunk after each stream's first. Default 5. */
  readonly chunkSamples?: number;
  /** Samples chunks between Boundary chunks. Default 4. */
  readonly boundaryEvery?: number;
}

const UTF8 = new TextEncoder();

/** Builds an XDF file chunk by chunk and records where each chunk lies. */
export class XdfBuilder {
  readonly chunks: WrittenChunk[] = [];
  readonly #parts: Uint8Array[] = [];
  #length = 0;
  readonly #lastTimestampS = new Map<number, number>();

  constructor(withMagic = true) {
    if (withMagic) {
      this.raw(XDF_MAGIC);
    }
  }

  /** Current length of the file in bytes. */
  get length(): number {
    return this.#length;
  }

  /** Appends bytes as they are, outside any chunk. */
  raw(bytes: Uint8Array): this {
    this.#parts.push(bytes);
    this.#length += bytes.length;
    return this;
  }

  /** Appends a chunk; `lengthSize` forces the size of its length field. */
  chunk(tag: number, streamId: number | undefined, content: Uint8Array, nSamples = 0, lengthSize?: 1 | 4 | 8): this {
    const idBytes = streamId === undefined ? 0 : 4;
    const body = new Uint8Array(2 + idBytes + content.length);
    const view = new DataView(body.buffer);
    view.setUint16(0, tag, true);
    if (streamId !== undefined) {
      view.setUint32(2, streamId, true);
    }
    body.set(content, 2 + idBytes);
    const start = this.#length;
    this.raw(encodeVarlen(body.length, lengthSize)).raw(body);
    this.chunks.push({ tag, streamId, start, end: this.#length, nSamples });
    return this;
  }

  /** Appends a FileHeader with version 1.0 and a LabRecorder-style local time. */
  fileHeader(datetime = "2026-04-01T12:00:00+0200"): this {
    const xml = `<?xml version="1.0"?>\n<info>\n\t<version>1.0</version>\n\t<datetime>${datetime}</datetime>\n</info>\n`;
    return this.chunk(XDF_TAG.fileHeader, undefined, UTF8.encode(xml));
  }

  /** Appends a StreamHeader with a stream info document as liblsl writes it. */
  streamHeader(stream: TestStream): this {
    return this.chunk(XDF_TAG.streamHeader, stream.id, UTF8.encode(writeXmlDocument(streamInfo(stream))));
  }

  /**
   * Appends a Samples chunk. A sample without a timestamp is written with timestamp size 0;
   * `oddTimestampSize` replaces the size byte 8 of the samples that carry one.
   */
  samples(stream: TestStream, samples: readonly TestSample[], oddTimestampSize?: number): this {
    const parts: Uint8Array[] = [encodeVarlen(samples.length, 4)];
    for (const sample of samples) {
      if (sample.timestampS === undefined) {
        parts.push(Uint8Array.of(0));
      } else {
        const stamp = new Uint8Array(9);
        stamp[0] = oddTimestampSize ?? 8;
        new DataView(stamp.buffer).setFloat64(1, sample.timestampS, true);
        parts.push(stamp);
      }
      parts.push(encodeValues(stream.channelFormat, sample.values));
    }
    return this.chunk(XDF_TAG.samples, stream.id, concat(parts), samples.length);
  }

  /** Appends a ClockOffset chunk. */
  clockOffset(streamId: number, collectionTimeS: number, offsetS: number): this {
    const content = new Uint8Array(16);
    const view = new DataView(content.buffer);
    view.setFloat64(0, collectionTimeS, true);
    view.setFloat64(8, offsetS, true);
    return this.chunk(XDF_TAG.clockOffset, streamId, content);
  }

  /** Appends a Boundary chunk. */
  boundary(): this {
    return this.chunk(XDF_TAG.boundary, undefined, XDF_BOUNDARY_UUID);
  }

  /** Appends a StreamFooter as LabRecorder writes it, with the stream's clock offsets. */
  streamFooter(stream: TestStream): this {
    const count = stream.timestampsS.length;
    const first = count === 0 ? 0 : (stream.timestampsS[0] as number);
    const last = count === 0 ? 0 : (stream.timestampsS[count - 1] as number);
    const offsets = (stream.clockOffsets ?? [])
      .map((offset) => `<offset><time>${formatDouble(offset.collectionTimeS)}</time><value>${formatDouble(offset.offsetS)}</value></offset>`)
      .join("");
    const xml =
      `<?xml version="1.0"?><info><first_timestamp>${formatDouble(first)}</first_timestamp>` +
      `<last_timestamp>${formatDouble(last)}</last_timestamp><sample_count>${count}</sample_count>` +
      `<clock_offsets>${offsets}</clock_offsets></info>`;
    return this.chunk(XDF_TAG.streamFooter, stream.id, UTF8.encode(xml));
  }

  /**
   * Returns the samples `from` to `to` of a stream, leaving out the timestamps a reader
   * deduces when the stream's `deduceTimestamps` is set. Tracks each stream's last timestamp
   * across calls.
   */
  testSamples(stream: TestStream, from: number, to: number): TestSample[] {
    const periodS = stream.nominalSrateHz > 0 ? 1 / stream.nominalSrateHz : 0;
    const samples: TestSample[] = [];
    for (let i = from; i < to; i++) {
      const timestampS = stream.timestampsS[i] as number;
      const previousS = this.#lastTimestampS.get(stream.id) ?? 0;
      const deduced = stream.deduceTimestamps === true && timestampS === previousS + periodS;
      samples.push({ timestampS: deduced ? undefined : timestampS, values: stream.values[i] ?? [] });
      this.#lastTimestampS.set(stream.id, timestampS);
    }
    return samples;
  }

  /** Returns the file written so far. */
  bytes(): Uint8Array {
    return concat(this.#parts);
  }
}

/**
 * Writes `streams` in LabRecorder's layout. Every header comes first, then each stream's first
 * sample alone. Chunks taken from the streams in turn follow, with a clock offset per stream
 * after each round and a Boundary chunk every few Samples chunks. The remaining offsets and
 * the footers end the file.
 */
export function writeLabRecorderXdf(streams: readonly TestStream[], layout: TestLayout = {}): { bytes: Uint8Array; chunks: WrittenChunk[] } {
  const chunkSamples = layout.chunkSamples ?? 5;
  const boundaryEvery = layout.boundaryEvery ?? 4;
  const builder = new XdfBuilder().fileHeader();
  for (const stream of streams) {
    builder.streamHeader(stream);
  }
  const written = new Map<number, number>();
  const offsetsWritten = new Map<number, number>();
  let samplesChunks = 0;
  const writeChunk = (stream: TestStream, count: number): void => {
    const from = written.get(stream.id) ?? 0;
    const to = Math.min(stream.timestampsS.length, from + count);
    if (to <= from) {
      return;
    }
    builder.samples(stream, builder.testSamples(stream, from, to));
    written.set(stream.id, to);
    samplesChunks++;
    if (samplesChunks % boundaryEvery === 0) {
      builder.boundary();
    }
  };
  for (const stream of streams) {
    writeChunk(stream, 1);
  }
  let more = true;
  while (more) {
    more = false;
    for (const stream of streams) {
      writeChunk(stream, chunkSamples);
      more ||= (written.get(stream.id) ?? 0) < stream.timestampsS.length;
    }
    for (const stream of streams) {
      const index = offsetsWritten.get(stream.id) ?? 0;
      const offset = stream.clockOffsets?.[index];
      if (offset !== undefined && more) {
        builder.clockOffset(stream.id, offset.collectionTimeS, offset.offsetS);
        offsetsWritten.set(stream.id, index + 1);
      }
    }
  }
  for (const stream of streams) {
    for (const offset of (stream.clockOffsets ?? []).slice(offsetsWritten.get(stream.id) ?? 0)) {
      builder.clockOffset(stream.id, offset.collectionTimeS, offset.offsetS);
    }
  }
  for (const stream of streams) {
    builder.streamFooter(stream);
  }
  return { bytes: builder.bytes(), chunks: builder.chunks };
}

/** Encodes a variable-length integer, in the smallest form or the one of `size` bytes. */
export function encodeVarlen(value: number, size?: 1 | 4 | 8): Uint8Array {
  let chosen = size ?? 8;
  if (size === undefined && value < 2 ** 32) {
    chosen = value < 256 ? 1 : 4;
  }
  const bytes = new Uint8Array(1 + chosen);
  const view = new DataView(bytes.buffer);
  bytes[0] = chosen;
  if (chosen === 1) {
    view.setUint8(1, value);
  } else if (chosen === 4) {
    view.setUint32(1, value, true);
  } else {
    view.setBigUint64(1, BigInt(value), true);
  }
  return bytes;
}

function encodeValues(format: ChannelFormat, values: readonly (number | bigint | string)[]): Uint8Array {
  if (format === "string") {
    return concat(
      values.map((value) => {
        const text = UTF8.encode(String(value));
        return concat([encodeVarlen(text.length), text]);
      }),
    );
  }
  const size = valueBytes(format);
  const bytes = new Uint8Array(values.length * size);
  const view = new DataView(bytes.buffer);
  values.forEach((value, index) => {
    const at = index * size;
    const number = Number(value);
    switch (format) {
      case "float32":
        view.setFloat32(at, number, true);
        break;
      case "double64":
        view.setFloat64(at, number, true);
        break;
      case "int8":
        view.setInt8(at, number);
        break;
      case "int16":
        view.setInt16(at, number, true);
        break;
      case "int32":
        view.setInt32(at, number, true);
        break;
      case "int64":
        view.setBigInt64(at, BigInt(value), true);
        break;
    }
  });
  return bytes;
}

function streamInfo(stream: TestStream): XmlElement {
  const text = (name: string, value: string): XmlElement => ({ name, attributes: {}, children: value === "" ? [] : [value] });
  const desc: XmlNode[] =
    stream.channelLabels === undefined
      ? []
      : [
          {
            name: "channels",
            attributes: {},
            children: stream.channelLabels.map((label) => ({
              name: "channel",
              attributes: {},
              children: [text("label", label), text("unit", "microvolts"), text("type", stream.type ?? "")],
            })),
          },
        ];
  return {
    name: "info",
    attributes: {},
    children: [
      text("name", stream.name),
      text("type", stream.type ?? ""),
      text("channel_count", String(stream.channelCount)),
      text("channel_format", stream.channelFormat),
      text("source_id", `test-${stream.id}`),
      text("nominal_srate", formatDouble(stream.nominalSrateHz)),
      text("version", formatDouble(1.1)),
      text("created_at", formatDouble(459.532229597)),
      text("uid", "aef6cef1-8026-4f02-a480-8ea534c32087"),
      text("session_id", "default"),
      text("hostname", "vm"),
      text("v4address", ""),
      text("v4data_port", "16572"),
      text("v4service_port", "16572"),
      text("v6address", ""),
      text("v6data_port", "0"),
      text("v6service_port", "0"),
      { name: "desc", attributes: {}, children: desc },
    ],
  };
}

/** Formats a double with 16 significant digits, as liblsl and LabRecorder do. */
function formatDouble(value: number): string {
  return value.toPrecision(16);
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((total, part) => total + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
