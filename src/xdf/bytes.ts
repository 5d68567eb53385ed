/**
 * Constants of the XDF layout and a bounds-checked little-endian reader over a byte range.
 */

/** The four bytes every XDF file starts with, `XDF:`. */
export const XDF_MAGIC: Uint8Array = Uint8Array.of(0x58, 0x44, 0x46, 0x3a);

/** Content of every Boundary chunk. A reader that loses its place resumes after the next one. */
export const XDF_BOUNDARY_UUID: Uint8Array = Uint8Array.of(
  0x43, 0xa5, 0x46, 0xdc, 0xcb, 0xf5, 0x41, 0x0f, 0xb3, 0x0e, 0xd5, 0x46, 0x73, 0x83, 0xcb, 0xe4,
);

/** Chunk tags of XDF 1.0. */
export const XDF_TAG = {
  fileHeader: 1,
  streamHeader: 2,
  samples: 3,
  clockOffset: 4,
  boundary: 5,
  streamFooter: 6,
} as const;

const TAG_NAMES: Readonly<Record<number, string>> = {
  1: "FileHeader",
  2: "StreamHeader",
  3: "Samples",
  4: "ClockOffset",
  5: "Boundary",
  6: "StreamFooter",
};

/** Names the kind of chunk a tag marks, such as `Samples chunk` or `chunk with unknown tag 9`. */
export function chunkName(tag: number): string {
  const name = TAG_NAMES[tag];
  return name === undefined ? `chunk with unknown tag ${tag}` : `${name} chunk`;
}

/** Returns whether chunks of `tag` carry a stream id after the tag. */
export function hasStreamId(tag: number): boolean {
  return tag === 2 || tag === 3 || tag === 4 || tag === 6;
}

/** Raised while decoding one chunk's content. The reader turns it into a warning and goes on. */
export class XdfChunkError extends Error {
  override readonly name = "XdfChunkError";
}

/**
 * Reads little-endian values from `bytes[position, end)`, throwing {@link XdfChunkError}
 * instead of reading past `end`.
 */
export class ByteReader {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  readonly end: number;
  position: number;

  constructor(bytes: Uint8Array, start: number, end: number) {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.position = start;
    this.end = end;
  }

  /** Bytes left before `end`. */
  get remaining(): number {
    return this.end - this.position;
  }

  /** Throws unless `count` bytes remain; `what` names the field for the message. */
  need(count: number, what: string): void {
    if (count > this.end - this.position) {
      throw new XdfChunkError(`${what} needs ${count} bytes but only ${this.end - this.position} remain in the chunk`);
    }
  }

  u8(what: string): number {
    this.need(1, what);
    return this.view.getUint8(this.position++);
  }

  f64(what: string): number {
    this.need(8, what);
    const value = this.view.getFloat64(this.position, true);
    this.position += 8;
    return value;
  }

  /**
   * Reads a variable-length integer: a size byte of 1, 4 or 8, then an unsigned integer of
   * that many bytes. A value above 2^53 comes back rounded, which only matters for values far
   * beyond any file's size.
   */
  varlen(what: string): number {
    const size = this.u8(what);
    if (size !== 1 && size !== 4 && size !== 8) {
      throw new XdfChunkError(`${what} has size byte ${size}; a variable-length integer's size is 1, 4 or 8`);
    }
    this.need(size, what);
    const at = this.position;
    this.position += size;
    if (size === 1) {
      return this.view.getUint8(at);
    }
    if (size === 4) {
      return this.view.getUint32(at, true);
    }
    return Number(this.view.getBigUint64(at, true));
  }
}
