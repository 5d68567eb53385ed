/**
 * Splitting of a TCP byte stream into variable-length records (samples, archive headers) for the
 * incremental LSL decoders. TCP reads cut records at arbitrary points, so the bytes of a record
 * that has not fully arrived are held until the rest comes.
 */

/**
 * A function that measures the record starting at `start` in `bytes[start, end)`. It returns the
 * record's length in bytes when the range contains the whole record, otherwise the negated minimum
 * length the record must have given the bytes seen so far (so at least `end - start + 1`). It
 * throws an `LslProtocolError` for invalid bytes, and must check every declared length against a
 * limit before using it.
 */
export type RecordMeasure = (bytes: Uint8Array, view: DataView, start: number, end: number) => number;

/**
 * A function that decodes the whole record at `start` into slot `index` of `target` and returns
 * the record's length in bytes.
 */
export type RecordDecode<T> = (bytes: Uint8Array, view: DataView, start: number, target: T, index: number) => number;

/** The result of {@link RecordAssembler.decode}: the decoded target and where it stopped. */
export interface DecodedRecords<T> {
  readonly target: T;
  /** Number of records decoded into `target`. */
  readonly count: number;
  /** Input position after the last byte used, which is the input length unless `maxRecords` stopped it. */
  readonly next: number;
}

/** Initial capacity of the buffer for an incomplete record, in bytes. */
const INITIAL_CAPACITY_BYTES = 256;
/** A buffer grown past this many bytes for one large record is released once that record is decoded. */
const RETAINED_CAPACITY_BYTES = 64 * 1024;

/**
 * An incremental record splitter. It keeps at most the bytes of one incomplete record, because
 * input is appended to that record only up to the length its measure function requests. So the
 * buffer never grows past one record, and a record's length has been checked before it is buffered.
 */
export class RecordAssembler {
  #buffer = new Uint8Array(INITIAL_CAPACITY_BYTES);
  #view = new DataView(this.#buffer.buffer);
  #length = 0;

  /** Bytes of the incomplete record held now. */
  get bufferedBytes(): number {
    return this.#length;
  }

  /**
   * Decodes the whole records in the held bytes followed by `input[pos..]`, up to `maxRecords`.
   * `allocate` receives the exact record count before any record is decoded. Bytes of a trailing
   * incomplete record are held for the next call. Errors of `measure` propagate unchanged.
   */
  decode<T>(
    input: Uint8Array,
    pos: number,
    measure: RecordMeasure,
    allocate: (count: number) => T,
    decodeRecord: RecordDecode<T>,
    maxRecords = Number.POSITIVE_INFINITY,
  ): DecodedRecords<T> {
    const inputView = new DataView(input.buffer, input.byteOffset, input.byteLength);
    let start = pos;
    let carried = 0;
    if (this.#length > 0 && maxRecords > 0) {
      start = this.#complete(input, pos, measure);
      if (start < 0) {
        return { target: allocate(0), count: 0, next: input.length };
      }
      carried = 1;
    }

    let count = carried;
    let end = start;
    let complete = true;
    while (count < maxRecords) {
      const length = measure(input, inputView, end, input.length);
      if (length < 0) {
        complete = false;
        break;
      }
      end += length;
      count += 1;
    }

    const target = allocate(count);
    if (carried === 1) {
      decodeRecord(this.#buffer, this.#view, 0, target, 0);
      this.#release();
    }
    let offset = start;
    for (let index = carried; index < count; index++) {
      offset += decodeRecord(input, inputView, offset, target, index);
    }
    if (!complete) {
      this.#append(input, end, input.length);
      end = input.length;
    }
    return { target, count, next: end };
  }

  /**
   * Appends input to the held record until it is whole. Returns the input position after the
   * bytes used, or -1 when the input ran out first (all of it is then held).
   */
  #complete(input: Uint8Array, pos: number, measure: RecordMeasure): number {
    let next = pos;
    for (;;) {
      const length = measure(this.#buffer, this.#view, 0, this.#length);
      if (length >= 0) {
        return next;
      }
      const take = Math.min(-length - this.#length, input.length - next);
      if (take <= 0) {
        return -1;
      }
      this.#append(input, next, next + take);
      next += take;
    }
  }

  #append(input: Uint8Array, from: number, to: number): void {
    const needed = this.#length + (to - from);
    if (needed > this.#buffer.length) {
      const grown = new Uint8Array(Math.max(needed, this.#buffer.length * 2));
      grown.set(this.#buffer.subarray(0, this.#length));
      this.#buffer = grown;
      this.#view = new DataView(grown.buffer);
    }
    this.#buffer.set(input.subarray(from, to), this.#length);
    this.#length = needed;
  }

  #release(): void {
    this.#length = 0;
    if (this.#buffer.length > RETAINED_CAPACITY_BYTES) {
      this.#buffer = new Uint8Array(INITIAL_CAPACITY_BYTES);
      this.#view = new DataView(this.#buffer.buffer);
    }
  }
}
