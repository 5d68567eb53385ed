import { endianness } from "node:os";

/**
 * A fault found in the bytes of a model. The file layer adds the file name, and adds advice
 * unless `includesAdvice` is true because the message already includes the next step.
 */
export class ModelFormatError extends Error {
  override name = "ModelFormatError";
  readonly includesAdvice: boolean;

  constructor(message: string, includesAdvice = false) {
    super(message);
    this.includesAdvice = includesAdvice;
  }
}

/**
 * Throws unless this host is little-endian. Model files store numbers little-endian, and typed
 * arrays are copied as raw bytes, which is only correct on a little-endian host.
 */
export function checkLittleEndianHost(): void {
  if (endianness() !== "LE") {
    throw new Error("model files can be read and written only on a little-endian host; this host is big-endian");
  }
}

/** A growable little-endian byte buffer. */
export class ByteWriter {
  #bytes = new Uint8Array(4096);
  #view = new DataView(this.#bytes.buffer);
  #length = 0;
  static readonly #encoder = new TextEncoder();

  get length(): number {
    return this.#length;
  }

  u8(value: number): void {
    this.#reserve(1);
    this.#bytes[this.#length] = value;
    this.#length += 1;
  }

  u32(value: number): void {
    if (!(Number.isInteger(value) && value >= 0 && value <= 0xffffffff)) {
      throw new RangeError(`a length of ${value} does not fit the model file's 32-bit length fields`);
    }
    this.#reserve(4);
    this.#view.setUint32(this.#length, value, true);
    this.#length += 4;
  }

  u64(value: number): void {
    this.#reserve(8);
    this.#view.setBigUint64(this.#length, BigInt(value), true);
    this.#length += 8;
  }

  f64(value: number): void {
    this.#reserve(8);
    this.#view.setFloat64(this.#length, value, true);
    this.#length += 8;
  }

  raw(bytes: Uint8Array): void {
    this.#reserve(bytes.length);
    this.#bytes.set(bytes, this.#length);
    this.#length += bytes.length;
  }

  /** Writes a string as its UTF-8 byte length (32 bits) and bytes. */
  string(value: string): void {
    const bytes = ByteWriter.#encoder.encode(value);
    this.u32(bytes.length);
    this.raw(bytes);
  }

  /** Overwrites 8 bytes at `offset`, written earlier, with `value`. */
  setU64At(offset: number, value: number): void {
    this.#view.setBigUint64(offset, BigInt(value), true);
  }

  /** Overwrites 4 bytes at `offset` with `value`. */
  setU32At(offset: number, value: number): void {
    this.#view.setUint32(offset, value, true);
  }

  /** Returns the bytes written so far as a view, without copying. */
  view(): Uint8Array {
    return this.#bytes.subarray(0, this.#length);
  }

  /** Returns a copy of the bytes written, in an ArrayBuffer of its own so that it can be transferred. */
  finish(): Uint8Array {
    return this.#bytes.slice(0, this.#length);
  }

  #reserve(count: number): void {
    const needed = this.#length + count;
    if (needed <= this.#bytes.length) {
      return;
    }
    const grown = new Uint8Array(Math.max(needed, this.#bytes.length * 2));
    grown.set(this.#bytes.subarray(0, this.#length));
    this.#bytes = grown;
    this.#view = new DataView(grown.buffer);
  }
}

/**
 * A little-endian reader over `bytes` from `offset` to `end`. Every read checks the bytes that
 * remain first and throws a {@link ModelFormatError} when too few are left, so a declared
 * length is checked before anything of that size is allocated.
 */
export class ByteReader {
  readonly bytes: Uint8Array;
  #view: DataView;
  offset: number;
  readonly end: number;
  static readonly #decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

  constructor(bytes: Uint8Array, offset: number, end: number) {
    // A plain Uint8Array view, so that slice() copies even when `bytes` is a Node Buffer.
    this.bytes = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.offset = offset;
    this.end = end;
  }

  get remaining(): number {
    return this.end - this.offset;
  }

  /** Throws unless `count` bytes remain; `description` names those bytes in the message. */
  need(count: number, description: string): void {
    if (count > this.remaining) {
      throw new ModelFormatError(
        `${description} needs ${count} bytes at byte ${this.offset}, but only ${this.remaining} remain`,
      );
    }
  }

  u8(description: string): number {
    this.need(1, description);
    const value = this.bytes[this.offset]!;
    this.offset += 1;
    return value;
  }

  u32(description: string): number {
    this.need(4, description);
    const value = this.#view.getUint32(this.offset, true);
    this.offset += 4;
    return value;
  }

  f64(description: string): number {
    this.need(8, description);
    const value = this.#view.getFloat64(this.offset, true);
    this.offset += 8;
    return value;
  }

  /** Copies `count` bytes into a new ArrayBuffer of their own. */
  copy(count: number, description: string): ArrayBuffer {
    this.need(count, description);
    const copy = this.bytes.slice(this.offset, this.offset + count);
    this.offset += count;
    return copy.buffer;
  }

  /** Reads a string written by {@link ByteWriter.string}; invalid UTF-8 is an error. */
  string(description: string): string {
    const length = this.u32(description);
    this.need(length, description);
    const start = this.offset;
    this.offset += length;
    try {
      return ByteReader.#decoder.decode(this.bytes.subarray(start, start + length));
    } catch {
      throw new ModelFormatError(`${description} at byte ${start} is not valid UTF-8`);
    }
  }
}
