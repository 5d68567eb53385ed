/**
 * The inlet's side of the sample encoding: decoding a feed in the protocol the outlet chose,
 * checking the two test patterns bit for bit, and filling in deduced timestamps.
 */

import { LslProtocolError } from "./errors.js";
import { SampleDecoder100 } from "./portable-archive-decoder.js";
import { DEFAULT_MAX_STRING_BYTES, SampleDecoder110 } from "./sample-codec.js";
import type { LslChunk } from "./sample-chunk.js";
import { parseStreamInfo, type LslStreamInfo } from "./stream-info.js";
import { testPatternChunk } from "./feed-encoding.js";

/** Bytes all string values of one sample may hold together, unless one string may hold more. */
export const MAX_SAMPLE_STRING_BYTES = 16 * 1024 * 1024;

/** Samples as an inlet hands them on: timestamps in the outlet's clock, deduced ones filled in. */
export type InletChunk = LslChunk;

/** Decodes one connection's feed after its response header. */
export class FeedReader {
  readonly #info: LslStreamInfo;
  readonly #decode: (bytes: Uint8Array) => LslChunk;
  readonly #expected: LslChunk;
  readonly #interval: number;
  readonly #received: LslChunk[] = [];
  #patternsChecked = false;
  #previousS = 0;

  /**
   * `littleEndian` is the order the outlet announced (1.10 only; 1.00 is always little-endian).
   * One string value may hold up to `maxStringBytes`, and all strings of one sample together up
   * to {@link MAX_SAMPLE_STRING_BYTES}, so a peer cannot make the reader hold a huge sample.
   */
  constructor(info: LslStreamInfo, protocolVersion: number, littleEndian = true, maxStringBytes = DEFAULT_MAX_STRING_BYTES) {
    const perString = Math.max(1, Math.min(maxStringBytes, Math.floor(Math.max(maxStringBytes, MAX_SAMPLE_STRING_BYTES) / Math.max(1, info.channelCount))));
    this.#info = info;
    this.#expected = testPatternChunk(info);
    this.#interval = info.nominalSrateHz > 0 ? 1 / info.nominalSrateHz : 0;
    if (protocolVersion >= 110) {
      const decoder = new SampleDecoder110(info.channelFormat, info.channelCount, { littleEndian, maxStringBytes: perString });
      this.#decode = (bytes) => decoder.push(bytes);
    } else {
      const decoder = new SampleDecoder100(info.channelFormat, info.channelCount, { maxStringBytes: perString });
      this.#decode = (bytes) => {
        const result = decoder.push(bytes);
        if (result.shortinfoXml !== undefined) {
          this.#checkArchiveInfo(result.shortinfoXml);
        }
        return result.chunk;
      };
    }
  }

  /**
   * Reads handshake bytes until both test patterns arrived and match. Returns the chunk of data
   * samples that came with them (possibly empty) once they did, or undefined while more bytes
   * are needed. Throws {@link LslProtocolError} when a pattern differs.
   */
  pushHandshake(bytes: Uint8Array): LslChunk | undefined {
    const chunk = this.#decode(bytes);
    if (chunk.count > 0) {
      this.#received.push(chunk);
    }
    const total = this.#received.reduce((sum, part) => sum + part.count, 0);
    if (total < 2) {
      return undefined;
    }
    const samples = flatten(this.#received);
    this.#received.length = 0;
    for (let index = 0; index < 2; index++) {
      this.#checkPattern(samples, index);
    }
    this.#patternsChecked = true;
    return this.#finish(slice(samples, 2));
  }

  /** Decodes data bytes and returns the whole samples they complete, deduced timestamps filled in. */
  push(bytes: Uint8Array): LslChunk {
    if (!this.#patternsChecked) {
      throw new LslProtocolError("data arrived before the test patterns were checked");
    }
    return this.#finish(this.#decode(bytes));
  }

  #finish(chunk: LslChunk): LslChunk {
    const timestamps = chunk.timestamps;
    for (let index = 0; index < chunk.count; index++) {
      const timestamp = timestamps[index] as number;
      if (Number.isNaN(timestamp)) {
        this.#previousS += this.#interval;
        timestamps[index] = this.#previousS;
      } else {
        this.#previousS = timestamp;
      }
    }
    return chunk;
  }

  #checkPattern(received: LslChunk, index: number): void {
    const expected = this.#expected;
    const nChannels = this.#info.channelCount;
    let same = received.timestamps[index] === expected.timestamps[index];
    for (let channel = 0; same && channel < nChannels; channel++) {
      const slot = index * nChannels + channel;
      if (expected.strings !== undefined) {
        same = received.strings?.[slot] === expected.strings[slot];
      } else if (expected.int64Values !== undefined) {
        same = received.int64Values?.[slot] === expected.int64Values[slot];
      } else {
        same = Object.is(received.values[slot], expected.values[slot]);
      }
    }
    if (!same) {
      throw new LslProtocolError(
        `test pattern ${index + 1} from ${this.#info.name} differs from the expected one, so the protocol formats are likely incompatible`,
      );
    }
  }

  #checkArchiveInfo(xml: string): void {
    const info = parseStreamInfo(xml);
    if (info.uid !== this.#info.uid) {
      throw new LslProtocolError(`outlet sent stream uid ${info.uid} in its feed, expected ${this.#info.uid}`);
    }
  }
}

/** Joins decoded chunks of one stream into one. */
function flatten(chunks: readonly LslChunk[]): LslChunk {
  if (chunks.length === 1) {
    return chunks[0] as LslChunk;
  }
  const first = chunks[0] as LslChunk;
  const count = chunks.reduce((sum, chunk) => sum + chunk.count, 0);
  const total = count * first.nChannels;
  const timestamps = new Float64Array(count);
  const valueCount = first.values.length === 0 ? 0 : total;
  const values = first.values instanceof Float32Array ? new Float32Array(valueCount) : new Float64Array(valueCount);
  const int64Values = first.int64Values === undefined ? undefined : new BigInt64Array(total);
  const strings: string[] | undefined = first.strings === undefined ? undefined : [];
  let at = 0;
  for (const chunk of chunks) {
    timestamps.set(chunk.timestamps.subarray(0, chunk.count), at);
    const slots = chunk.count * chunk.nChannels;
    if (values.length > 0) values.set(chunk.values.subarray(0, slots), at * first.nChannels);
    if (int64Values !== undefined && chunk.int64Values !== undefined) int64Values.set(chunk.int64Values.subarray(0, slots), at * first.nChannels);
    if (strings !== undefined) strings.push(...(chunk.strings ?? []).slice(0, slots));
    at += chunk.count;
  }
  return { format: first.format, nChannels: first.nChannels, count, timestamps, values, int64Values, strings };
}

/** Returns the samples of `chunk` from index `start` on. */
function slice(chunk: LslChunk, start: number): LslChunk {
  const n = chunk.nChannels;
  return {
    format: chunk.format,
    nChannels: n,
    count: chunk.count - start,
    timestamps: chunk.timestamps.subarray(start, chunk.count),
    values: chunk.values.length === 0 ? chunk.values : chunk.values.subarray(start * n, chunk.count * n),
    int64Values: chunk.int64Values?.subarray(start * n, chunk.count * n),
    strings: chunk.strings?.slice(start * n, chunk.count * n),
  };
}
