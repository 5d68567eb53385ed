import { crc32 } from "node:zlib";
import { ByteReader, ByteWriter, checkLittleEndianHost, ModelFormatError } from "./model-bytes.js";
import { describeModelKind, ValueDecoder, ValueEncoder } from "./model-codec.js";
import {
  checkTrainedOn,
  copyTrainedOn,
  findTrainedOnProblem,
  type CurrentSetup,
  type TrainedOn,
} from "./model-provenance.js";

// Layout of a model file, all integers little-endian:
//   bytes 0-7    the magic "MYOMODEL"
//   bytes 8-11   format version, uint32
//   bytes 12-19  payload length in bytes, uint64
//   payload      the header value { kind, trainedOn }, then the model value (see model-codec.ts)
//   last 4 bytes CRC-32 (zlib's) of everything before it

/** The first 8 bytes of every model file. */
export const MODEL_FILE_MAGIC = "MYOMODEL";

/** The format version this code writes, and the newest it reads. */
export const MODEL_FILE_VERSION = 1;

const MAGIC_BYTES = new TextEncoder().encode(MODEL_FILE_MAGIC);
/** Bytes before the payload: magic, version, payload length. */
export const MODEL_FILE_PREAMBLE_BYTES = 20;
const CHECKSUM_BYTES = 4;
const MINIMUM_FILE_BYTES = MODEL_FILE_PREAMBLE_BYTES + CHECKSUM_BYTES;

const SAVE_AGAIN = "restore the file from a good copy or save the model again";

/** A model file, or model bytes, that cannot be loaded. The message starts with the file name. */
export class ModelFileError extends Error {
  override name = "ModelFileError";
  /** The file path, or a description of where the bytes came from. */
  readonly source: string;

  constructor(source: string, problem: string, options?: ErrorOptions) {
    super(`${source}: ${problem}`, options);
    this.source = source;
  }
}

/** Options of {@link encodeModel} and `saveModelFile`. */
export interface ModelEncodeOptions {
  /** The training setup, stored in the header so that loading can compare it with the live setup. */
  readonly trainedOn?: TrainedOn;
}

/** Options of {@link decodeModel} and `loadModelFile`. */
export interface ModelDecodeOptions {
  /**
   * The setup the model is about to be used with. When given and the file records what it was
   * trained on, any difference is an error listing each one. A file without that record loads
   * without the comparison.
   */
  readonly expect?: CurrentSetup;
}

/** The header of a model file. */
export interface ModelFileInfo {
  /** Format version of the file. */
  readonly version: number;
  /** The model's registered kind (`lda`, `knn`, ...), or its type (`object`, `array`, `Float64Array`, ...). */
  readonly kind: string;
  /** The training setup, when the file records one. */
  readonly trainedOn: TrainedOn | undefined;
}

/**
 * Encodes `model` as the bytes of a model file: data only, with a CRC-32. Throws a TypeError
 * naming the path inside the value (e.g. `model.layers[2].fn`) for anything that is not data.
 * The result owns its ArrayBuffer, so it can be transferred to another thread.
 */
export function encodeModel(model: unknown, options: ModelEncodeOptions = {}): Uint8Array {
  checkLittleEndianHost();
  let trainedOn: TrainedOn | null = null;
  if (options.trainedOn !== undefined) {
    const problem = findTrainedOnProblem(options.trainedOn);
    if (problem !== undefined) {
      throw new TypeError(`encodeModel: ${problem}`);
    }
    trainedOn = copyTrainedOn(options.trainedOn);
  }

  const writer = new ByteWriter();
  writer.raw(MAGIC_BYTES);
  writer.u32(MODEL_FILE_VERSION);
  const lengthOffset = writer.length;
  writer.u64(0);
  const payloadStart = writer.length;
  new ValueEncoder(writer, "header").write({ kind: describeModelKind(model), trainedOn });
  new ValueEncoder(writer, "model").write(model);
  writer.setU64At(lengthOffset, writer.length - payloadStart);
  writer.u32(crc32(writer.view()));
  return writer.finish();
}

/**
 * Checks the first bytes of a model file (`head`, up to {@link MODEL_FILE_PREAMBLE_BYTES}) against
 * the file's length, and returns the payload length. Throws a {@link ModelFileError} for an
 * empty, foreign, newer-version or truncated file, before any of the payload is read.
 */
export function checkPreamble(head: Uint8Array, fileLength: number, source: string): number {
  if (fileLength === 0) {
    throw new ModelFileError(source, "the file is empty; save the model again");
  }
  for (let i = 0; i < Math.min(head.length, MAGIC_BYTES.length); i++) {
    if (head[i] !== MAGIC_BYTES[i]) {
      throw new ModelFileError(
        source,
        `not a myogestic model file: it does not start with "${MODEL_FILE_MAGIC}"; check the path, or save the model with saveModelFile`,
      );
    }
  }
  if (fileLength < MINIMUM_FILE_BYTES) {
    throw new ModelFileError(
      source,
      `the file is truncated: it has ${fileLength} bytes, fewer than the ${MINIMUM_FILE_BYTES} of an empty model file; copy the file again or save the model again`,
    );
  }

  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const version = view.getUint32(8, true);
  if (version > MODEL_FILE_VERSION) {
    throw new ModelFileError(
      source,
      `the file has model file format version ${version}, written by a newer myogestic; this version reads format ${MODEL_FILE_VERSION} only, so update myogestic to load it`,
    );
  }
  if (version < 1) {
    throw new ModelFileError(source, `the file is corrupted: its format version is ${version}; ${SAVE_AGAIN}`);
  }

  const declared = view.getBigUint64(12, true);
  const expectedLength = BigInt(MINIMUM_FILE_BYTES) + declared;
  if (BigInt(fileLength) < expectedLength) {
    throw new ModelFileError(
      source,
      `the file is truncated: it has ${fileLength} bytes, but its header declares ${expectedLength}; copy the file again or save the model again`,
    );
  }
  if (BigInt(fileLength) > expectedLength) {
    throw new ModelFileError(
      source,
      `the file is corrupted: it has ${BigInt(fileLength) - expectedLength} bytes after the end that its header declares; ${SAVE_AGAIN}`,
    );
  }
  return Number(declared);
}

/** Checks the preamble and checksum of `bytes` and reads the header value. */
function openModelBytes(bytes: Uint8Array, source: string): { info: ModelFileInfo; reader: ByteReader } {
  if (!(bytes instanceof Uint8Array)) {
    throw new TypeError(`${source}: model bytes must be a Uint8Array`);
  }
  const payloadLength = checkPreamble(bytes.subarray(0, MODEL_FILE_PREAMBLE_BYTES), bytes.length, source);
  const payloadEnd = MODEL_FILE_PREAMBLE_BYTES + payloadLength;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const stored = view.getUint32(payloadEnd, true);
  const computed = crc32(bytes.subarray(0, payloadEnd));
  if (stored !== computed) {
    throw new ModelFileError(
      source,
      `the file is corrupted: its CRC-32 is ${hex(stored)}, but its contents give ${hex(computed)}; ${SAVE_AGAIN}`,
    );
  }

  const reader = new ByteReader(bytes, MODEL_FILE_PREAMBLE_BYTES, payloadEnd);
  const version = view.getUint32(8, true);
  const header = decodeOrThrow(source, () => new ValueDecoder(reader, "header").read());
  const headerProblem = findHeaderProblem(header);
  if (headerProblem !== undefined) {
    throw new ModelFileError(source, `the file is invalid: ${headerProblem}; ${SAVE_AGAIN}`);
  }
  const { kind, trainedOn } = header as { kind: string; trainedOn: TrainedOn | null };
  return { info: { version, kind, trainedOn: trainedOn ?? undefined }, reader };
}

function findHeaderProblem(header: unknown): string | undefined {
  if (typeof header !== "object" || header === null || Array.isArray(header)) {
    return "the header is not an object";
  }
  const record = header as Record<string, unknown>;
  const keys = Object.keys(record).sort().join(",");
  if (keys !== "kind,trainedOn") {
    return `the header must have the keys kind and trainedOn, but has ${keys === "" ? "none" : keys}`;
  }
  if (typeof record.kind !== "string") {
    return "the header's kind is not a string";
  }
  return record.trainedOn === null ? undefined : findTrainedOnProblem(record.trainedOn);
}

/** Reads the header of model-file bytes: version, kind and what the model was trained on. */
export function readModelInfo(bytes: Uint8Array, source: string): ModelFileInfo {
  checkLittleEndianHost();
  return openModelBytes(bytes, source).info;
}

/**
 * Rebuilds the model stored in model-file bytes; built-in estimators come back as working
 * objects. Never runs code from the bytes. Throws a {@link ModelFileError} naming `source` for
 * corrupted, truncated, foreign or newer-version bytes, for a model kind that is not registered,
 * and for a trained-on record that differs from `options.expect`.
 */
export function decodeModel(bytes: Uint8Array, source: string, options: ModelDecodeOptions = {}): unknown {
  checkLittleEndianHost();
  const { info, reader } = openModelBytes(bytes, source);
  if (options.expect !== undefined && info.trainedOn !== undefined) {
    const differences = checkTrainedOn(info.trainedOn, options.expect);
    if (differences.length > 0) {
      throw new ModelFileError(
        source,
        `the model was trained on a different setup (${differences.join("; ")}); train a model for this setup or use the one it was trained on`,
      );
    }
  }

  const model = decodeOrThrow(source, () => new ValueDecoder(reader, "model").read());
  if (reader.remaining !== 0) {
    throw new ModelFileError(
      source,
      `the file is corrupted: ${reader.remaining} bytes follow the model; ${SAVE_AGAIN}`,
    );
  }
  const kind = describeModelKind(model);
  if (kind !== info.kind) {
    throw new ModelFileError(
      source,
      `the file is corrupted: the header records kind "${info.kind}", but the model is "${kind}"; ${SAVE_AGAIN}`,
    );
  }
  return model;
}

function decodeOrThrow(source: string, decode: () => unknown): unknown {
  try {
    return decode();
  } catch (error) {
    if (error instanceof ModelFormatError) {
      const advice = error.includesAdvice ? "" : `; ${SAVE_AGAIN}`;
      throw new ModelFileError(source, `the file is invalid: ${error.message}${advice}`, { cause: error });
    }
    throw error;
  }
}

function hex(value: number): string {
  return `0x${value.toString(16).padStart(8, "0")}`;
}
