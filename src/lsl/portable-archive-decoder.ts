/**
 * The decoder of protocol 1.00, the "portable binary archive" of liblsl's older feed: reads the
 * archive header and its shortinfo, then samples whose fields are compressed integers (see the
 * encoder in `portable-archive.ts` for the layout).
 */
import { LslProtocolError } from "./errors.js";
import type { ChannelFormat } from "./formats.js";
import { ARCHIVE_MAGIC, ARCHIVE_VERSION, DEFAULT_MAX_SHORTINFO_BYTES } from "./portable-archive.js";
import { RecordAssembler } from "./record-assembler.js";
import { allocateChunk, checkChannelCount, type LslChunk, type WritableChunk } from "./sample-chunk.js";
import { checkMaxStringBytes, DEFAULT_MAX_STRING_BYTES, stringTooLong, TAG_DEDUCED_TIMESTAMP } from "./sample-codec.js";

/** Settings of a {@link SampleDecoder100}. */
export interface SampleDecoder100Options {
  /** Maximum length of one string value, in bytes. Default 1 MiB. */
  readonly maxStringBytes?: number;
  /** Maximum length of the shortinfo XML, in bytes. Default 1 MiB. */
  readonly maxShortinfoBytes?: number;
}

/** The result of one push into a {@link SampleDecoder100}. */
export interface ArchiveOutput {
  /** The shortinfo XML on the one push that completed the archive header, otherwise `undefined`. */
  readonly shortinfoXml: string | undefined;
  /** The whole samples completed by the push. */
  readonly chunk: LslChunk;
}

const utf8Decoder = new TextDecoder("utf-8", { ignoreBOM: true });

/** Full-width little-endian bytes of the integer being read. */
const scratch = new Uint8Array(8);
const scratchView = new DataView(scratch.buffer);

/**
 * Loads the compressed integer at `pos` into `scratch`, filled to 8 bytes. Returns its encoded
 * length, or the negated length needed from `pos` when `end` comes first. Throws an
 * `LslProtocolError` naming `field` when the size byte is wider than `widthBytes` or negative for
 * an unsigned field.
 */
function loadCompressed(view: DataView, pos: number, end: number, widthBytes: number, signed: boolean, field: string): number {
  if (pos >= end) {
    return -1;
  }
  const size = view.getInt8(pos);
  if (size === 0) {
    scratch.fill(0);
    return 1;
  }
  const magnitude = Math.abs(size);
  if (size < 0 && !signed) {
    throw new LslProtocolError(`${field} has the negative size byte ${size}, invalid for an unsigned value, so the 1.00 feed is corrupt`);
  }
  if (magnitude > widthBytes) {
    throw new LslProtocolError(`${field} has the size byte ${size}, wider than its ${widthBytes} bytes, so the 1.00 feed is corrupt`);
  }
  if (pos + 1 + magnitude > end) {
    return -(1 + magnitude);
  }
  scratch.fill(size < 0 ? 0xff : 0);
  for (let i = 0; i < magnitude; i++) {
    scratch[i] = view.getUint8(pos + 1 + i);
  }
  return 1 + magnitude;
}

/** Returns the unsigned 64-bit value in `scratch` after checking it against `max`, which names the limit. */
function checkedLength(max: number, tooLong: (length: bigint) => LslProtocolError): number {
  const length = scratchView.getBigUint64(0, true);
  if (length > BigInt(max)) {
    throw tooLong(length);
  }
  return Number(length);
}

/** Byte width and signedness of each format's values in the archive. Strings have a u64 length. */
const ARCHIVE_VALUE_TYPES: Readonly<Record<ChannelFormat, readonly [number, boolean]>> = {
  float32: [4, false],
  double64: [8, false],
  string: [8, false],
  int32: [4, true],
  int16: [2, true],
  int8: [1, true],
  int64: [8, true],
};

type Stage = "header" | "classMarker" | "samples";

/**
 * An incremental decoder of a 1.00 feed, from the archive's magic byte on. The push that
 * completes the header returns the shortinfo XML once, and pushes then return whole samples. A sample
 * split across pushes is held (only its bytes) until the rest arrives, and every declared length
 * is checked against its limit before anything is buffered for it. After an `LslProtocolError`
 * the decoder stays failed.
 */
export class SampleDecoder100 {
  readonly format: ChannelFormat;
  readonly nChannels: number;
  readonly #maxStringBytes: number;
  readonly #maxShortinfoBytes: number;
  readonly #valueWidthBytes: number;
  readonly #valueSigned: boolean;
  /** Name of a value in error messages. */
  readonly #valueField: string;
  readonly #assembler = new RecordAssembler();
  readonly #empty: WritableChunk;
  #stage: Stage = "header";
  #shortinfoXml: string | undefined;
  #failure: LslProtocolError | undefined;

  /** Creates a decoder for a stream of `nChannels` channels of `format`. */
  constructor(format: ChannelFormat, nChannels: number, options: SampleDecoder100Options = {}) {
    checkChannelCount(nChannels);
    this.format = format;
    this.nChannels = nChannels;
    this.#maxStringBytes = checkMaxStringBytes(options.maxStringBytes ?? DEFAULT_MAX_STRING_BYTES);
    this.#maxShortinfoBytes = checkMaxStringBytes(options.maxShortinfoBytes ?? DEFAULT_MAX_SHORTINFO_BYTES);
    [this.#valueWidthBytes, this.#valueSigned] = ARCHIVE_VALUE_TYPES[format];
    this.#valueField = format === "string" ? "string length" : `${format} value`;
    this.#empty = allocateChunk(format, nChannels, 0);
  }

  /** The shortinfo XML of the archive header, once it has arrived. */
  get shortinfoXml(): string | undefined {
    return this.#shortinfoXml;
  }

  /** Bytes of an incomplete header or sample held for the next push. */
  get bufferedBytes(): number {
    return this.#assembler.bufferedBytes;
  }

  /**
   * Decodes what `bytes` completes: the header, the class marker and whole samples. Throws an
   * `LslProtocolError` for a wrong magic byte or version, a missing class marker, an invalid
   * compressed integer or a length over its limit, and on every push after one.
   */
  push(bytes: Uint8Array): ArchiveOutput {
    if (this.#failure !== undefined) {
      throw new LslProtocolError(`the 1.00 decoder already failed (${this.#failure.message}). Open a new connection.`);
    }
    try {
      return this.#push(bytes);
    } catch (error) {
      if (error instanceof LslProtocolError) {
        this.#failure = error;
      }
      throw error;
    }
  }

  #push(bytes: Uint8Array): ArchiveOutput {
    let pos = 0;
    let shortinfoXml: string | undefined;
    if (this.#stage === "header") {
      const header = this.#assembler.decode(bytes, pos, this.#measureHeader, () => undefined, this.#decodeHeader, 1);
      if (header.count === 0) {
        return { shortinfoXml, chunk: this.#empty };
      }
      shortinfoXml = this.#shortinfoXml;
      this.#stage = "classMarker";
      pos = header.next;
    }
    if (this.#stage === "classMarker") {
      const marker = this.#assembler.decode(bytes, pos, this.#measureClassMarker, () => undefined, () => 2, 1);
      if (marker.count === 0) {
        return { shortinfoXml, chunk: this.#empty };
      }
      this.#stage = "samples";
      pos = marker.next;
    }
    const allocate = (count: number): WritableChunk => (count === 0 ? this.#empty : allocateChunk(this.format, this.nChannels, count));
    const chunk = this.#assembler.decode(bytes, pos, this.#measureSample, allocate, this.#decodeSample).target;
    return { shortinfoXml, chunk };
  }

  #measureHeader = (_bytes: Uint8Array, view: DataView, start: number, end: number): number => {
    return this.#walkHeader(view, start, end).length;
  };

  #decodeHeader = (bytes: Uint8Array, view: DataView, start: number): number => {
    const { length, xmlBytes } = this.#walkHeader(view, start, bytes.length);
    const xmlEnd = start + length;
    this.#shortinfoXml = utf8Decoder.decode(bytes.subarray(xmlEnd - xmlBytes, xmlEnd));
    return length;
  };

  /**
   * Returns the length of the header at `start` and of its XML, or as `length` the negated
   * minimum header length when `end` comes first.
   */
  #walkHeader(view: DataView, start: number, end: number): { length: number; xmlBytes: number } {
    if (start >= end) {
      return { length: -1, xmlBytes: 0 };
    }
    const magic = view.getUint8(start);
    if (magic !== ARCHIVE_MAGIC) {
      throw new LslProtocolError(`archive magic byte is 0x${magic.toString(16)}, not 0x7f, so the peer did not send an LSL 1.00 feed`);
    }
    let pos = start + 1;
    const versionBytes = loadCompressed(view, pos, end, 2, false, "archive version");
    if (versionBytes < 0) {
      return { length: -(pos - start - versionBytes), xmlBytes: 0 };
    }
    const version = scratchView.getUint16(0, true);
    if (version !== ARCHIVE_VERSION) {
      throw new LslProtocolError(`archive version is ${version}, but LSL 1.00 feeds use version ${ARCHIVE_VERSION}`);
    }
    pos += versionBytes;
    const lengthBytes = loadCompressed(view, pos, end, 8, false, "shortinfo length");
    if (lengthBytes < 0) {
      return { length: -(pos - start - lengthBytes), xmlBytes: 0 };
    }
    const max = this.#maxShortinfoBytes;
    const xmlBytes = checkedLength(max, (declared) => {
      return new LslProtocolError(
        `shortinfo XML declares ${declared} bytes, over maxShortinfoBytes ${max}. Raise maxShortinfoBytes if the stream info really is this long.`,
      );
    });
    pos += lengthBytes + xmlBytes;
    return { length: pos <= end ? pos - start : -(pos - start), xmlBytes };
  }

  #measureClassMarker = (_bytes: Uint8Array, view: DataView, start: number, end: number): number => {
    for (let pos = start; pos < Math.min(end, start + 2); pos++) {
      const byte = view.getUint8(pos);
      if (byte !== 0) {
        throw new LslProtocolError(`expected the class marker 00 00 before the first sample, found byte 0x${byte.toString(16)} at offset ${pos - start}`);
      }
    }
    return end - start >= 2 ? 2 : -2;
  };

  #measureSample = (_bytes: Uint8Array, view: DataView, start: number, end: number): number => {
    return this.#walkSample(view, start, end, undefined, 0);
  };

  #decodeSample = (bytes: Uint8Array, view: DataView, start: number, chunk: WritableChunk, index: number): number => {
    return this.#walkSample(view, start, bytes.length, chunk, index);
  };

  /**
   * Measures the sample at `start` like a `RecordMeasure`, and when `chunk` is given also stores
   * its timestamp and values in slot `index`.
   */
  #walkSample(view: DataView, start: number, end: number, chunk: WritableChunk | undefined, index: number): number {
    let pos = start;
    let loaded = loadCompressed(view, pos, end, 1, true, "sample tag");
    if (loaded < 0) {
      return -(pos - start - loaded);
    }
    pos += loaded;
    const deduced = scratchView.getInt8(0) === TAG_DEDUCED_TIMESTAMP;
    if (!deduced) {
      loaded = loadCompressed(view, pos, end, 8, false, "timestamp");
      if (loaded < 0) {
        return -(pos - start - loaded);
      }
      pos += loaded;
    }
    if (chunk !== undefined) {
      chunk.timestamps[index] = deduced ? Number.NaN : scratchView.getFloat64(0, true);
    }
    const first = index * this.nChannels;
    for (let channel = 0; channel < this.nChannels; channel++) {
      loaded = loadCompressed(view, pos, end, this.#valueWidthBytes, this.#valueSigned, this.#valueField);
      if (loaded < 0) {
        return -(pos - start - loaded);
      }
      pos += loaded;
      if (this.format === "string") {
        const max = this.#maxStringBytes;
        const length = checkedLength(max, (declared) => stringTooLong(declared, channel, max));
        if (pos + length > end) {
          return -(pos + length - start);
        }
        if (chunk !== undefined) {
          (chunk.strings as string[])[first + channel] = utf8Decoder.decode(new Uint8Array(view.buffer, view.byteOffset + pos, length));
        }
        pos += length;
      } else if (chunk !== undefined) {
        storeScratchValue(chunk, first + channel);
      }
    }
    return pos - start;
  }
}

/** Stores the value loaded into `scratch` in slot `slot` of a numeric chunk. */
function storeScratchValue(chunk: WritableChunk, slot: number): void {
  switch (chunk.format) {
    case "float32":
      chunk.values[slot] = scratchView.getFloat32(0, true);
      break;
    case "double64":
      chunk.values[slot] = scratchView.getFloat64(0, true);
      break;
    case "int8":
      chunk.values[slot] = scratchView.getInt8(0);
      break;
    case "int16":
      chunk.values[slot] = scratchView.getInt16(0, true);
      break;
    case "int32":
      chunk.values[slot] = scratchView.getInt32(0, true);
      break;
    case "int64": {
      const value = scratchView.getBigInt64(0, true);
      (chunk.int64Values as BigInt64Array)[slot] = value;
      chunk.values[slot] = Number(value);
      break;
    }
    case "string":
      break;
  }
}
