/**
 * Framing of XDF chunks: the length, tag and stream id in front of each chunk's content, checked
 * against the end of the file, and the search for the next Boundary chunk after damage.
 */
import { chunkName, hasStreamId, XDF_BOUNDARY_UUID } from "./bytes.js";

/** Position of one chunk and of its content in the file. */
export interface ChunkFrame {
  /** Byte offset of the chunk's length field. */
  readonly start: number;
  readonly tag: number;
  /** Stream id for tags 2, 3, 4 and 6; undefined for the others. */
  readonly streamId: number | undefined;
  /** Byte offset of the content, after the tag and stream id. */
  readonly contentStart: number;
  /** Byte offset just after the chunk. */
  readonly end: number;
}

/** A chunk whose framing fits the file, or the problem with a framing that does not. */
export type FrameOutcome =
  | { readonly ok: true; readonly frame: ChunkFrame }
  | {
      readonly ok: false;
      /** Description of the damage, naming the chunk and its byte offset. */
      readonly problem: string;
      /** Offset from which to search for the next Boundary chunk. */
      readonly scanFrom: number;
    };

/**
 * Reads the framing of the chunk at byte `at`. A length field of the wrong size, a length too
 * short for the tag and stream id, or a length that runs past the end of the file is a problem
 * to recover from, never an allocation.
 */
export function readChunkFrame(bytes: Uint8Array, at: number): FrameOutcome {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const sizeByte = bytes[at] as number;
  if (sizeByte !== 1 && sizeByte !== 4 && sizeByte !== 8) {
    return {
      ok: false,
      problem: `the chunk at byte ${at} has a length field of size ${sizeByte}, where 1, 4 or 8 is valid, so its length is corrupt`,
      scanFrom: at + 1,
    };
  }
  const headerEnd = at + 1 + sizeByte;
  if (headerEnd > bytes.length) {
    return {
      ok: false,
      problem: `the file ends inside the length field of the chunk at byte ${at}, so the file is truncated`,
      scanFrom: bytes.length,
    };
  }
  const length = readUnsigned(view, at + 1, sizeByte);
  const available = bytes.length - headerEnd;
  const tag = length >= 2 && available >= 2 ? view.getUint16(headerEnd, true) : undefined;
  const idBytes = tag !== undefined && hasStreamId(tag) ? 4 : 0;
  const label = describeChunk(view, at, headerEnd, tag, available);

  if (length > available) {
    return {
      ok: false,
      problem:
        `the ${label} declares ${length} bytes after its length field, but the file ends ${available} bytes later, ` +
        `so the file is truncated or the length is corrupt`,
      scanFrom: headerEnd,
    };
  }
  if (tag === undefined || length < 2 + idBytes) {
    const needed = idBytes === 0 ? "its 2-byte tag" : "its 2-byte tag and 4-byte stream id";
    return {
      ok: false,
      problem: `the ${label} declares ${length} bytes, too few for ${needed}, so its length is corrupt`,
      scanFrom: at + 1,
    };
  }
  const streamId = idBytes === 0 ? undefined : view.getUint32(headerEnd + 2, true);
  return {
    ok: true,
    frame: { start: at, tag, streamId, contentStart: headerEnd + 2 + idBytes, end: headerEnd + length },
  };
}

/** Returns `Samples chunk of stream 2 at byte 120`, with as much as the file still contains. */
function describeChunk(view: DataView, at: number, headerEnd: number, tag: number | undefined, available: number): string {
  if (tag === undefined) {
    return `chunk at byte ${at}`;
  }
  const stream = hasStreamId(tag) && available >= 6 ? ` of stream ${view.getUint32(headerEnd + 2, true)}` : "";
  return `${chunkName(tag)}${stream} at byte ${at}`;
}

function readUnsigned(view: DataView, at: number, size: 1 | 4 | 8): number {
  if (size === 1) {
    return view.getUint8(at);
  }
  if (size === 4) {
    return view.getUint32(at, true);
  }
  return Number(view.getBigUint64(at, true));
}

/**
 * Returns the offset just after the next boundary UUID at or after `from`, where the next chunk
 * starts, or undefined when none follows.
 */
export function findBoundaryEnd(bytes: Uint8Array, from: number): number | undefined {
  if (from >= bytes.length) {
    return undefined;
  }
  const found = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).indexOf(XDF_BOUNDARY_UUID, from);
  return found < 0 ? undefined : found + XDF_BOUNDARY_UUID.length;
}
