/**
 * Zarr v3 array metadata (`zarr.json`): strict parsing, formatting as the Python `zarr`
 * package writes it, and chunk keys.
 *
 * Only what session files use is supported: arrays of 1 or 2 dimensions, a regular chunk grid,
 * the `default` and `v2` chunk key encodings, the `bytes` codec (either byte order) followed
 * by optional `zstd` or `gzip` compression, and integer or floating-point data types up to 32
 * bits plus `float64`. Anything else is rejected with an error naming the file and the field.
 */

/** Element types this module reads; the writer uses `float32` and `float64`. */
export type ZarrDataType =
  | "int8"
  | "int16"
  | "int32"
  | "uint8"
  | "uint16"
  | "uint32"
  | "float32"
  | "float64";

/** The typed array that holds elements of a {@link ZarrDataType}. */
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

const KNOWN_KEYS = new Set([
  "zarr_format",
  "node_type",
  "shape",
  "data_type",
  "chunk_grid",
  "chunk_key_encoding",
  "fill_value",
  "codecs",
  "attributes",
  "storage_transformers",
  "dimension_names",
]);

/** Thrown for a `zarr.json` that is not a valid or supported Zarr v3 array. */
function invalid(location: string, field: string, problem: string): Error {
  return new Error(`${location}: "${field}" ${problem}. The file is not a Zarr v3 array this reader supports.`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function show(value: unknown): string {
  const text = JSON.stringify(value);
  return text === undefined ? String(value) : text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function parseIntegers(location: string, field: string, value: unknown, minimum: number): number[] {
  if (!Array.isArray(value) || !value.every((item) => Number.isSafeInteger(item) && item >= minimum)) {
    const kind = minimum > 0 ? "positive" : "non-negative";
    throw invalid(location, field, `must be an array of ${kind} integers, found ${show(value)}`);
  }
  return value as number[];
}

function parseName(location: string, field: string, value: unknown): { name: string; configuration: Record<string, unknown> } {
  if (typeof value === "string") {
    return { name: value, configuration: {} };
  }
  if (!isRecord(value) || typeof value.name !== "string") {
    throw invalid(location, field, `must be an object with a "name" string, found ${show(value)}`);
  }
  const configuration = value.configuration ?? {};
  if (!isRecord(configuration)) {
    throw invalid(location, `${field}.configuration`, `must be an object, found ${show(configuration)}`);
  }
  return { name: value.name, configuration };
}

function parseFillValue(location: string, value: unknown, dataType: ZarrDataType): number {
  if (typeof value === "number") {
    return value;
  }
  const isFloat = dataType === "float32" || dataType === "float64";
  if (isFloat && typeof value === "string") {
    if (value === "NaN") {
      return Number.NaN;
    }
    if (value === "Infinity") {
      return Number.POSITIVE_INFINITY;
    }
    if (value === "-Infinity") {
      return Number.NEGATIVE_INFINITY;
    }
    const bytes = dataType === "float32" ? 4 : 8;
    if (new RegExp(`^0x[0-9a-fA-F]{${2 * bytes}}$`).test(value)) {
      const view = new DataView(new ArrayBuffer(8));
      if (bytes === 4) {
        view.setUint32(0, Number.parseInt(value.slice(2), 16));
        return view.getFloat32(0);
      }
      view.setBigUint64(0, BigInt(value));
      return view.getFloat64(0);
    }
  }
  throw invalid(location, "fill_value", `must be a number for data type ${dataType}, found ${show(value)}`);
}

function parseCodecs(location: string, value: unknown, dataType: ZarrDataType): ZarrCodec[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw invalid(location, "codecs", `must be a non-empty array, found ${show(value)}`);
  }
  const codecs: ZarrCodec[] = [];
  value.forEach((item: unknown, index) => {
    const field = `codecs[${index}]`;
    const { name, configuration } = parseName(location, field, item);
    if (name === "bytes") {
      if (index !== 0) {
        throw invalid(location, field, "is the bytes codec, which must come first (array-to-array codecs are not supported)");
      }
      const endian = configuration.endian ?? (ZARR_ARRAY_TYPES[dataType].BYTES_PER_ELEMENT === 1 ? "little" : undefined);
      if (endian !== "little" && endian !== "big") {
        throw invalid(location, `${field}.configuration.endian`, `must be "little" or "big", found ${show(endian)}`);
      }
      codecs.push({ name, endian });
    } else if (index === 0) {
      throw invalid(location, field, `is ${show(name)}, but the first codec must be "bytes" (transpose and sharding are not supported)`);
    } else if (name === "zstd") {
      const level = configuration.level ?? 0;
      const checksum = configuration.checksum ?? false;
      if (!Number.isInteger(level) || typeof checksum !== "boolean") {
        throw invalid(location, `${field}.configuration`, `must have an integer "level" and a boolean "checksum", found ${show(configuration)}`);
      }
      codecs.push({ name, level: level as number, checksum });
    } else if (name === "gzip") {
      const level = configuration.level ?? 6;
      if (!Number.isInteger(level)) {
        throw invalid(location, `${field}.configuration.level`, `must be an integer, found ${show(level)}`);
      }
      codecs.push({ name, level: level as number });
    } else {
      throw invalid(location, field, `is codec ${show(name)}; supported codecs are "bytes", "zstd" and "gzip"`);
    }
  });
  return codecs;
}

/**
 * Parses and validates the `zarr.json` of an array. `location` names the file in errors.
 * Declared sizes are checked before anything is allocated: at most {@link ZARR_MAX_ELEMENTS}
 * elements in the array and {@link ZARR_MAX_CHUNK_BYTES} bytes in a decoded chunk.
 */
export function parseZarrMetadata(source: string | Uint8Array, location: string): ZarrArrayMetadata {
  const text = typeof source === "string" ? source : new TextDecoder().decode(source);
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new Error(`${location}: invalid JSON (${(error as Error).message}). The file is damaged; restore it from a copy or re-record the session.`);
  }
  if (!isRecord(document)) {
    throw invalid(location, "(top level)", `must be a JSON object, found ${show(document)}`);
  }
  for (const [key, value] of Object.entries(document)) {
    if (!KNOWN_KEYS.has(key) && !(isRecord(value) && value.must_understand === false)) {
      throw invalid(location, key, "is an extension this reader does not understand");
    }
  }
  if (document.zarr_format !== 3) {
    throw invalid(location, "zarr_format", `must be 3, found ${show(document.zarr_format)}`);
  }
  if (document.node_type !== "array") {
    throw invalid(location, "node_type", `must be "array", found ${show(document.node_type)}`);
  }

  const shape = parseIntegers(location, "shape", document.shape, 0);
  if (shape.length !== 1 && shape.length !== 2) {
    throw invalid(location, "shape", `has ${shape.length} dimensions, but session arrays have 1 or 2`);
  }
  const dataType = document.data_type;
  if (typeof dataType !== "string" || !Object.hasOwn(ZARR_ARRAY_TYPES, dataType)) {
    const supported = Object.keys(ZARR_ARRAY_TYPES).join(", ");
    throw invalid(location, "data_type", `is ${show(dataType)}; supported data types are ${supported}`);
  }
  const type = dataType as ZarrDataType;

  const grid = parseName(location, "chunk_grid", document.chunk_grid);
  if (grid.name !== "regular") {
    throw invalid(location, "chunk_grid.name", `must be "regular", found ${show(grid.name)}`);
  }
  const chunkShape = parseIntegers(location, "chunk_grid.configuration.chunk_shape", grid.configuration.chunk_shape, 1);
  if (chunkShape.length !== shape.length) {
    throw invalid(location, "chunk_grid.configuration.chunk_shape", `has ${chunkShape.length} dimensions but "shape" has ${shape.length}`);
  }

  const keys = parseName(location, "chunk_key_encoding", document.chunk_key_encoding);
  if (keys.name !== "default" && keys.name !== "v2") {
    throw invalid(location, "chunk_key_encoding.name", `must be "default" or "v2", found ${show(keys.name)}`);
  }
  const separator = keys.configuration.separator ?? (keys.name === "default" ? "/" : ".");
  if (separator !== "/" && separator !== ".") {
    throw invalid(location, "chunk_key_encoding.configuration.separator", `must be "/" or ".", found ${show(separator)}`);
  }

  const transformers = document.storage_transformers ?? [];
  if (!Array.isArray(transformers) || transformers.length > 0) {
    throw invalid(location, "storage_transformers", `must be empty, found ${show(transformers)}`);
  }
  const attributes = document.attributes ?? {};
  if (!isRecord(attributes)) {
    throw invalid(location, "attributes", `must be an object, found ${show(attributes)}`);
  }

  const elements = shape.reduce((product, size) => product * size, 1);
  if (elements > ZARR_MAX_ELEMENTS) {
    throw invalid(location, "shape", `declares ${elements} elements, more than the limit of ${ZARR_MAX_ELEMENTS}`);
  }
  const chunkBytes = chunkShape.reduce((product, size) => product * size, ZARR_ARRAY_TYPES[type].BYTES_PER_ELEMENT);
  if (chunkBytes > ZARR_MAX_CHUNK_BYTES) {
    throw invalid(location, "chunk_grid.configuration.chunk_shape", `declares chunks of ${chunkBytes} bytes, more than the limit of ${ZARR_MAX_CHUNK_BYTES}`);
  }

  return {
    shape,
    dataType: type,
    chunkShape,
    chunkKeyEncoding: { name: keys.name, separator },
    fillValue: parseFillValue(location, document.fill_value ?? 0, type),
    codecs: parseCodecs(location, document.codecs, type),
    attributes,
  };
}

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
    chunk_key_encoding: { name: metadata.chunkKeyEncoding.name, configuration: { separator: metadata.chunkKeyEncoding.separator } },
    fill_value: placeholder,
    codecs: metadata.codecs.map((codec) => {
      if (codec.name === "bytes") {
        return { name: codec.name, configuration: { endian: codec.endian } };
      }
      if (codec.name === "zstd") {
        return { name: codec.name, configuration: { level: codec.level, checksum: codec.checksum } };
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
