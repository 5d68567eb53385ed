/**
 * Zarr v3 array metadata (`zarr.json`) in memory, its formatting as the Python `zarr` package
 * writes it, and chunk keys. Parsing is in `zarr-parse.ts`.
 *
 * Only what session files use is supported. Arrays have 1 or 2 dimensions and a regular chunk
 * grid, with the `default` or `v2` chunk key encoding. Codecs are `bytes` (either byte order)
 * then optionally `zstd` or `gzip`. Data types are the integers up to 32 bits, `float32` and
 * `float64`. Anything else is rejected with an error naming the file and the field.
 */

/** Element types this module reads; the writer uses `float32` and `float64`. */
export type ZarrDataType =
  "int8" | "int16" | "int32" | "uint8" | "uint16" | "uint32" | "float32" | "float64";

/** Typed array that stores the elements of a {@link ZarrDataType}. */
export type ZarrTypedArray =
  | Int8Array
  | Int16Array
  | Int32Array
  | Uint8Array
  | Uint16Array
  | Uint32Array
  | Float32Array
  | Float64Array;

type TypedArrayConstructor = {
  new (length: number): ZarrTypedArray;
  new (buffer: ArrayBuffer, byteOffset?: number, length?: number): ZarrTypedArray;
  readonly BYTES_PER_ELEMENT: number;
};

/** Typed array constructor of each supported data type. */
export const ZARR_ARRAY_TYPES: Readonly<Record<ZarrDataType, TypedArrayConstructor>> = {
  int8: Int8Array,
  int16: Int16Array,
  int32: Int32Array,
  uint8: Uint8Array,
  uint16: Uint16Array,
  uint32: Uint32Array,
  float32: Float32Array,
  float64: Float64Array,
};

/** A codec of the chunk pipeline, in the order the metadata lists them (encoding order). */
export type ZarrCodec =
  | { readonly name: "bytes"; readonly endian: "little" | "big" }
  | { readonly name: "zstd"; readonly level: number; readonly checksum: boolean }
  | { readonly name: "gzip"; readonly level: number };

/** Parsed `zarr.json` of an array. */
export interface ZarrArrayMetadata {
  readonly shape: readonly number[];
  readonly dataType: ZarrDataType;
  readonly chunkShape: readonly number[];
  readonly chunkKeyEncoding: { readonly name: "default" | "v2"; readonly separator: "/" | "." };
  readonly fillValue: number;
  readonly codecs: readonly ZarrCodec[];
  readonly attributes: Record<string, unknown>;
}

/** Largest number of elements an array may declare, so a corrupt shape cannot exhaust memory. */
export const ZARR_MAX_ELEMENTS = 2 ** 31;

/** Largest decoded chunk in bytes, so a corrupt chunk shape cannot exhaust memory. */
export const ZARR_MAX_CHUNK_BYTES = 2 ** 30;

/** Largest number of chunks an array may declare, so a corrupt chunk shape cannot stall reading. */
export const ZARR_MAX_CHUNKS = 2 ** 20;

/**
 * Formats array metadata as the Python `zarr` package (3.x) writes `zarr.json`: the same keys
 * in the same order, two-space indentation, and a float fill value written with a decimal point.
 */
export function formatZarrMetadata(metadata: ZarrArrayMetadata): string {
  const isFloat = metadata.dataType === "float32" || metadata.dataType === "float64";
  const fill = metadata.fillValue;
  let fillText: string;
  if (Number.isNaN(fill)) {
    fillText = '"NaN"';
  } else if (!Number.isFinite(fill)) {
    fillText = fill > 0 ? '"Infinity"' : '"-Infinity"';
  } else {
    fillText = isFloat && Number.isInteger(fill) ? `${fill}.0` : String(fill);
  }
  // A placeholder lets JSON.stringify lay out the document; the fill value's text replaces it.
  const placeholder = "\u0000fill\u0000";
  const document = {
    shape: metadata.shape,
    data_type: metadata.dataType,
    chunk_grid: { name: "regular", configuration: { chunk_shape: metadata.chunkShape } },
    chunk_key_encoding: {
      name: metadata.chunkKeyEncoding.name,
      configuration: { separator: metadata.chunkKeyEncoding.separator },
    },
    fill_value: placeholder,
    codecs: metadata.codecs.map((codec) => {
      if (codec.name === "bytes") {
        return { name: codec.name, configuration: { endian: codec.endian } };
      }
      if (codec.name === "zstd") {
        return {
          name: codec.name,
          configuration: { level: codec.level, checksum: codec.checksum },
        };
      }
      return { name: codec.name, configuration: { level: codec.level } };
    }),
    attributes: metadata.attributes,
    zarr_format: 3,
    node_type: "array",
    storage_transformers: [],
  };
  return JSON.stringify(document, null, 2).replace(JSON.stringify(placeholder), fillText);
}

/** Key of the chunk at grid coordinates `coords`, relative to the array's folder. */
export function zarrChunkKey(metadata: ZarrArrayMetadata, coords: readonly number[]): string {
  const { name, separator } = metadata.chunkKeyEncoding;
  if (name === "default") {
    return ["c", ...coords].join(separator);
  }
  return coords.length === 0 ? "0" : coords.join(separator);
}

/** Number of elements in one chunk. */
export function zarrChunkElements(metadata: ZarrArrayMetadata): number {
  return metadata.chunkShape.reduce((product, size) => product * size, 1);
}
