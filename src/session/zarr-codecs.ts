import { gunzipSync, gzipSync } from "node:zlib";
import { compress as zstdCompress, init as initZstdWasm } from "@bokuweb/zstd-wasm";
import { Decompress as ZstdDecompressor } from "fzstd";
import {
  ZARR_ARRAY_TYPES,
  zarrChunkElements,
  type ZarrArrayMetadata,
  type ZarrTypedArray,
} from "./zarr-metadata.js";

/**
 * Encoding and decoding of Zarr chunks: the `bytes` codec and zstd or gzip compression.
 *
 * Decoding uses `fzstd` (pure JavaScript, synchronous). Encoding zstd needs the WebAssembly
 * build of `@bokuweb/zstd-wasm`, which must be loaded once with {@link loadZstdEncoder}.
 */

let zstdEncoderReady: Promise<void> | undefined;
let zstdEncoderLoaded = false;

/** Loads the zstd encoder (WebAssembly) once; later calls return the same promise. */
export function loadZstdEncoder(): Promise<void> {
  zstdEncoderReady ??= initZstdWasm().then(() => {
    zstdEncoderLoaded = true;
  });
  return zstdEncoderReady;
}

/** Decompresses zstd data, failing as soon as the output would pass `maxBytes`. */
function zstdDecompressBounded(data: Uint8Array, maxBytes: number, location: string): Uint8Array {
  const output = new Uint8Array(maxBytes);
  let length = 0;
  let overflow = false;
  const decompressor = new ZstdDecompressor((piece) => {
    if (length + piece.length > maxBytes) {
      overflow = true;
      throw new Error("overflow");
    }
    output.set(piece, length);
    length += piece.length;
  });
  try {
    decompressor.push(data, true);
  } catch (error) {
    if (overflow) {
      throw new Error(
        `${location}: zstd data decompresses to more than ${maxBytes} bytes, the size of a full chunk. The chunk is corrupt.`,
      );
    }
    throw new Error(
      `${location}: invalid zstd data (${(error as Error).message}). The chunk is corrupt or truncated.`,
    );
  }
  return output.subarray(0, length);
}

function gunzipBounded(data: Uint8Array, maxBytes: number, location: string): Uint8Array {
  try {
    return gunzipSync(data, { maxOutputLength: maxBytes });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE") {
      throw new Error(
        `${location}: gzip data decompresses to more than ${maxBytes} bytes, the size of a full chunk. The chunk is corrupt.`,
      );
    }
    throw new Error(
      `${location}: invalid gzip data (${(error as Error).message}). The chunk is corrupt or truncated.`,
    );
  }
}

/** Whether this machine stores numbers little-endian, as typed arrays then do. */
const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function swapBytes(bytes: Uint8Array, itemSize: number): void {
  for (let offset = 0; offset < bytes.length; offset += itemSize) {
    for (let low = offset, high = offset + itemSize - 1; low < high; low++, high--) {
      const value = bytes[low] as number;
      bytes[low] = bytes[high] as number;
      bytes[high] = value;
    }
  }
}

/**
 * Decodes the stored bytes of one chunk into its elements, in C order. The decoded chunk must
 * hold exactly the chunk shape's elements (a trailing chunk is padded on disk, not cut), so any
 * other size is an error naming `location`.
 */
export function decodeZarrChunk(
  metadata: ZarrArrayMetadata,
  stored: Uint8Array,
  location: string,
): ZarrTypedArray {
  const ArrayType = ZARR_ARRAY_TYPES[metadata.dataType];
  const itemSize = ArrayType.BYTES_PER_ELEMENT;
  const elements = zarrChunkElements(metadata);
  const expectedBytes = elements * itemSize;

  let bytes = stored;
  for (let index = metadata.codecs.length - 1; index >= 1; index--) {
    const codec = metadata.codecs[index];
    if (codec?.name === "zstd") {
      bytes = zstdDecompressBounded(bytes, expectedBytes, location);
    } else if (codec?.name === "gzip") {
      bytes = gunzipBounded(bytes, expectedBytes, location);
    }
  }
  if (bytes.length !== expectedBytes) {
    throw new Error(
      `${location}: chunk has ${bytes.length} bytes after decoding, but a chunk of shape ` +
        `[${metadata.chunkShape.join(", ")}] of ${metadata.dataType} has ${expectedBytes}. ` +
        "The chunk is truncated or was written with a different chunk shape.",
    );
  }

  // A fresh copy is aligned for the typed array and is ours to byte-swap.
  const copy = new Uint8Array(expectedBytes);
  copy.set(bytes);
  const bytesCodec = metadata.codecs[0];
  const storedLittle = bytesCodec?.name !== "bytes" || bytesCodec.endian === "little";
  if (itemSize > 1 && storedLittle !== HOST_IS_LITTLE_ENDIAN) {
    swapBytes(copy, itemSize);
  }
  return new ArrayType(copy.buffer, 0, elements);
}

/**
 * Encodes one full chunk of elements (C order, exactly the chunk shape's count) into the
 * bytes to store. Encoding zstd requires {@link loadZstdEncoder} to have finished.
 */
export function encodeZarrChunk(metadata: ZarrArrayMetadata, values: ZarrTypedArray): Uint8Array {
  const elements = zarrChunkElements(metadata);
  if (values.length !== elements) {
    throw new RangeError(
      `a chunk of shape [${metadata.chunkShape.join(", ")}] has ${elements} elements, received ${values.length}`,
    );
  }
  let bytes: Uint8Array = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  const itemSize = values.BYTES_PER_ELEMENT;
  const bytesCodec = metadata.codecs[0];
  const storeLittle = bytesCodec?.name !== "bytes" || bytesCodec.endian === "little";
  if (itemSize > 1 && storeLittle !== HOST_IS_LITTLE_ENDIAN) {
    bytes = bytes.slice();
    swapBytes(bytes, itemSize);
  }
  for (const codec of metadata.codecs.slice(1)) {
    if (codec.name === "zstd") {
      if (!zstdEncoderLoaded) {
        throw new Error(
          "the zstd encoder is not loaded; await loadZstdEncoder() before encoding zstd chunks",
        );
      }
      bytes = zstdCompress(bytes, codec.level);
    } else if (codec.name === "gzip") {
      bytes = gzipSync(bytes, { level: codec.level });
    }
  }
  return bytes;
}
