import { describeJsonValue, isJsonObject } from "./json-values.js";
import {
  ZARR_ARRAY_TYPES,
  ZARR_MAX_CHUNK_BYTES,
  ZARR_MAX_CHUNKS,
  ZARR_MAX_ELEMENTS,
  type ZarrArrayMetadata,
  type ZarrCodec,
  type ZarrDataType,
} from "./zarr-metadata.js";

/** Top-level keys of array metadata in Zarr v3. */
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

const NOT_SUPPORTED = "The file is not a Zarr v3 array this reader supports.";

/** Builds the error for a field that is not what Zarr v3 or this reader requires. */
function mustBe(location: string, field: string, expected: string, found: unknown): Error {
  const value = describeJsonValue(found);
  return new Error(`${location}: "${field}" must be ${expected}, found ${value}. ${NOT_SUPPORTED}`);
}

/** Builds the error for a valid field whose value this reader does not support. */
function unsupported(location: string, field: string, problem: string): Error {
  return new Error(`${location}: "${field}" ${problem}. ${NOT_SUPPORTED}`);
}

function parseIntegers(location: string, field: string, value: unknown, minimum: number): number[] {
  const valid =
    Array.isArray(value) && value.every((item) => Number.isSafeInteger(item) && item >= minimum);
  if (!valid) {
    const kind = minimum > 0 ? "positive" : "non-negative";
    throw mustBe(location, field, `an array of ${kind} integers`, value);
  }
  return value as number[];
}

/** Parses a `{ name, configuration }` object, or a bare name string, as Zarr v3 allows. */
function parseNamed(
  location: string,
  field: string,
  value: unknown,
): { name: string; configuration: Record<string, unknown> } {
  if (typeof value === "string") {
    return { name: value, configuration: {} };
  }
  if (!isJsonObject(value) || typeof value.name !== "string") {
    throw mustBe(location, field, 'an object with a "name" string', value);
  }
  const configuration = value.configuration ?? {};
  if (!isJsonObject(configuration)) {
    throw mustBe(location, `${field}.configuration`, "an object", configuration);
  }
  return { name: value.name, configuration };
}

/** Parses a fill value: a number, or for floats "NaN", "Infinity", "-Infinity" or a hex bit pattern. */
function parseFillValue(location: string, value: unknown, dataType: ZarrDataType): number {
  if (typeof value === "number") {
    return value;
  }
  const isFloat = dataType === "float32" || dataType === "float64";
  if (isFloat && typeof value === "string") {
    const special: Record<string, number> = {
      NaN: Number.NaN,
      Infinity: Number.POSITIVE_INFINITY,
      "-Infinity": Number.NEGATIVE_INFINITY,
    };
    if (Object.hasOwn(special, value)) {
      return special[value] as number;
    }
    const bytes = ZARR_ARRAY_TYPES[dataType].BYTES_PER_ELEMENT;
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
  throw mustBe(location, "fill_value", `a number for data type ${dataType}`, value);
}

function parseCodec(
  location: string,
  index: number,
  item: unknown,
  dataType: ZarrDataType,
): ZarrCodec {
  const field = `codecs[${index}]`;
  const { name, configuration } = parseNamed(location, field, item);
  if (index === 0 && name !== "bytes") {
    const problem = `is ${describeJsonValue(name)}, but the first codec must be "bytes"`;
    throw unsupported(location, field, `${problem} (transpose and sharding are not supported)`);
  }
  if (name === "bytes") {
    if (index !== 0) {
      throw unsupported(location, field, "is the bytes codec, which must come first");
    }
    const singleByte = ZARR_ARRAY_TYPES[dataType].BYTES_PER_ELEMENT === 1;
    const endian = configuration.endian ?? (singleByte ? "little" : undefined);
    if (endian !== "little" && endian !== "big") {
      throw mustBe(location, `${field}.configuration.endian`, '"little" or "big"', endian);
    }
    return { name, endian };
  }
  if (name === "zstd") {
    const level = configuration.level ?? 0;
    const checksum = configuration.checksum ?? false;
    if (typeof level !== "number" || !Number.isInteger(level) || typeof checksum !== "boolean") {
      const expected = 'an integer "level" and a boolean "checksum"';
      throw mustBe(location, `${field}.configuration`, expected, configuration);
    }
    return { name, level, checksum };
  }
  if (name === "gzip") {
    const level = configuration.level ?? 6;
    if (typeof level !== "number" || !Number.isInteger(level)) {
      throw mustBe(location, `${field}.configuration.level`, "an integer", level);
    }
    return { name, level };
  }
  const problem = `is codec ${describeJsonValue(name)}; supported codecs are "bytes", "zstd" and "gzip"`;
  throw unsupported(location, field, problem);
}

function checkSizes(location: string, metadata: ZarrArrayMetadata): void {
  const elements = metadata.shape.reduce((product, size) => product * size, 1);
  if (elements > ZARR_MAX_ELEMENTS) {
    const problem = `declares ${elements} elements, more than the limit of ${ZARR_MAX_ELEMENTS}`;
    throw unsupported(location, "shape", problem);
  }
  const itemSize = ZARR_ARRAY_TYPES[metadata.dataType].BYTES_PER_ELEMENT;
  const chunkBytes = metadata.chunkShape.reduce((product, size) => product * size, itemSize);
  if (chunkBytes > ZARR_MAX_CHUNK_BYTES) {
    const problem = `declares chunks of ${chunkBytes} bytes, more than the limit of ${ZARR_MAX_CHUNK_BYTES}`;
    throw unsupported(location, "chunk_grid.configuration.chunk_shape", problem);
  }
  const chunks = metadata.shape.reduce(
    (product, size, dimension) =>
      product * Math.ceil(size / (metadata.chunkShape[dimension] as number)),
    1,
  );
  if (chunks > ZARR_MAX_CHUNKS) {
    const problem = `makes ${chunks} chunks, more than the limit of ${ZARR_MAX_CHUNKS}`;
    throw unsupported(location, "chunk_grid.configuration.chunk_shape", problem);
  }
}

/**
 * Parses and validates the `zarr.json` of an array. `location` names the file in errors.
 * Declared sizes are checked before anything is allocated: at most {@link ZARR_MAX_ELEMENTS}
 * elements in the array, {@link ZARR_MAX_CHUNK_BYTES} bytes in a decoded chunk and
 * {@link ZARR_MAX_CHUNKS} chunks.
 */
export function parseZarrMetadata(
  source: string | Uint8Array,
  location: string,
): ZarrArrayMetadata {
  const text = typeof source === "string" ? source : new TextDecoder().decode(source);
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new Error(
      `${location}: invalid JSON (${(error as Error).message}). ` +
        "The file is damaged; restore it from a copy or record the session again.",
    );
  }
  if (!isJsonObject(document)) {
    throw mustBe(location, "(top level)", "a JSON object", document);
  }
  for (const [key, value] of Object.entries(document)) {
    // Zarr v3 lets extensions add keys; only those marked must_understand: false may be ignored.
    if (!KNOWN_KEYS.has(key) && !(isJsonObject(value) && value.must_understand === false)) {
      throw unsupported(location, key, "is an extension this reader does not understand");
    }
  }
  if (document.zarr_format !== 3) {
    throw mustBe(location, "zarr_format", "3", document.zarr_format);
  }
  if (document.node_type !== "array") {
    throw mustBe(location, "node_type", '"array"', document.node_type);
  }

  const shape = parseIntegers(location, "shape", document.shape, 0);
  if (shape.length !== 1 && shape.length !== 2) {
    const problem = `has ${shape.length} dimensions, but session arrays have 1 or 2`;
    throw unsupported(location, "shape", problem);
  }
  const dataType = document.data_type;
  if (typeof dataType !== "string" || !Object.hasOwn(ZARR_ARRAY_TYPES, dataType)) {
    const supported = Object.keys(ZARR_ARRAY_TYPES).join(", ");
    const problem = `is ${describeJsonValue(dataType)}; supported data types are ${supported}`;
    throw unsupported(location, "data_type", problem);
  }
  const type = dataType as ZarrDataType;

  const grid = parseNamed(location, "chunk_grid", document.chunk_grid);
  if (grid.name !== "regular") {
    throw mustBe(location, "chunk_grid.name", '"regular"', grid.name);
  }
  const chunkShapeField = "chunk_grid.configuration.chunk_shape";
  const chunkShape = parseIntegers(location, chunkShapeField, grid.configuration.chunk_shape, 1);
  if (chunkShape.length !== shape.length) {
    const problem = `has ${chunkShape.length} dimensions but "shape" has ${shape.length}`;
    throw unsupported(location, chunkShapeField, problem);
  }

  const keys = parseNamed(location, "chunk_key_encoding", document.chunk_key_encoding);
  if (keys.name !== "default" && keys.name !== "v2") {
    throw mustBe(location, "chunk_key_encoding.name", '"default" or "v2"', keys.name);
  }
  const separator = keys.configuration.separator ?? (keys.name === "default" ? "/" : ".");
  if (separator !== "/" && separator !== ".") {
    const field = "chunk_key_encoding.configuration.separator";
    throw mustBe(location, field, '"/" or "."', separator);
  }

  const transformers = document.storage_transformers ?? [];
  if (!Array.isArray(transformers) || transformers.length > 0) {
    throw mustBe(location, "storage_transformers", "empty", transformers);
  }
  const attributes = document.attributes ?? {};
  if (!isJsonObject(attributes)) {
    throw mustBe(location, "attributes", "an object", attributes);
  }
  const codecs = document.codecs;
  if (!Array.isArray(codecs) || codecs.length === 0) {
    throw mustBe(location, "codecs", "a non-empty array", codecs);
  }

  const metadata: ZarrArrayMetadata = {
    shape,
    dataType: type,
    chunkShape,
    chunkKeyEncoding: { name: keys.name, separator },
    fillValue: parseFillValue(location, document.fill_value ?? 0, type),
    codecs: codecs.map((item: unknown, index) => parseCodec(location, index, item, type)),
    attributes,
  };
  checkSizes(location, metadata);
  return metadata;
}
