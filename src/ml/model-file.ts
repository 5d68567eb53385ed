import { randomBytes } from "node:crypto";
import { constants as bufferConstants } from "node:buffer";
import { mkdir, open, rename, unlink, type FileHandle } from "node:fs/promises";
import { dirname } from "node:path";
import { threadId } from "node:worker_threads";
import {
  checkPreamble,
  decodeModel,
  encodeModel,
  MODEL_FILE_PREAMBLE_BYTES,
  ModelFileError,
  readModelInfo,
  type ModelDecodeOptions,
  type ModelEncodeOptions,
  type ModelFileInfo,
} from "./model-format.js";

export {
  decodeModel,
  encodeModel,
  MODEL_FILE_MAGIC,
  MODEL_FILE_VERSION,
  ModelFileError,
  readModelInfo,
  type ModelDecodeOptions,
  type ModelEncodeOptions,
  type ModelFileInfo,
} from "./model-format.js";
export { checkTrainedOn, type CurrentSetup, type TrainedOn } from "./model-provenance.js";
export { registerModelKind, type ModelKind } from "./model-kinds.js";
export { MAX_MODEL_DEPTH } from "./model-codec.js";

let temporaryCounter = 0;

/**
 * Saves `model` as a model file at `path` and returns `path`, creating parent folders. The bytes
 * go to a temporary file in the same folder, which is flushed to disk (fsync) and renamed onto
 * `path`. A reader therefore sees the old file or the whole new one, even after a power cut,
 * because the folder is synced too (except on Windows, which cannot open a folder for that).
 * Throws a TypeError naming the path inside the value (e.g. `model.layers[2].fn`) for anything
 * that is not data, and then writes nothing.
 */
export async function saveModelFile(
  model: unknown,
  path: string,
  options: ModelEncodeOptions = {},
): Promise<string> {
  let bytes: Uint8Array;
  try {
    bytes = encodeModel(model, options);
  } catch (error) {
    if (error instanceof TypeError) {
      throw new TypeError(`saving ${path} failed: ${error.message}`, { cause: error });
    }
    throw error;
  }

  const folder = dirname(path);
  await mkdir(folder, { recursive: true });
  const temporaryPath = `${path}.tmp-${process.pid}-${threadId}-${randomBytes(4).toString("hex")}-${temporaryCounter++}`;
  let handle: FileHandle | undefined;
  try {
    handle = await open(temporaryPath, "wx");
    await handle.writeFile(bytes);
    await handle.sync();
    await handle.close();
    handle = undefined;
    await rename(temporaryPath, path);
  } catch (error) {
    await handle?.close().catch(() => undefined);
    await unlink(temporaryPath).catch(() => undefined);
    throw error;
  }
  await syncFolder(folder);
  return path;
}

/**
 * Loads the model saved at `path`; built-in estimators come back as working objects. Loading
 * never runs code from the file. Throws a {@link ModelFileError} naming the file and the fault
 * for a truncated, corrupted, foreign or newer-version file, and, when `options.expect` is given
 * and the file records what it was trained on, for each difference from the current setup.
 */
export async function loadModelFile(path: string, options: ModelDecodeOptions = {}): Promise<unknown> {
  return decodeModel(await readModelBytes(path), path, options);
}

/** Reads the header of the model file at `path`: format version, model kind, what it was trained on. */
export async function readModelFileInfo(path: string): Promise<ModelFileInfo> {
  return readModelInfo(await readModelBytes(path), path);
}

/**
 * Reads a model file after checking its first bytes, so a foreign, newer-version or truncated
 * file fails before the whole file is read.
 */
async function readModelBytes(path: string): Promise<Uint8Array> {
  const handle = await open(path, "r");
  try {
    const { size } = await handle.stat();
    const head = await readExactly(handle, Math.min(size, MODEL_FILE_PREAMBLE_BYTES), path);
    checkPreamble(head, size, path);
    if (size > bufferConstants.MAX_LENGTH) {
      throw new ModelFileError(path, `the file has ${size} bytes, more than this Node.js can hold in memory`);
    }
    return await readExactly(handle, size, path);
  } finally {
    await handle.close();
  }
}

async function readExactly(handle: FileHandle, length: number, path: string): Promise<Uint8Array> {
  const bytes = new Uint8Array(length);
  let filled = 0;
  while (filled < length) {
    const { bytesRead } = await handle.read(bytes, filled, length - filled, filled);
    if (bytesRead === 0) {
      throw new ModelFileError(path, `the file shrank to ${filled} bytes while it was read; save the model again`);
    }
    filled += bytesRead;
  }
  return bytes;
}

/** Flushes a folder's entries (the rename) to disk; Windows cannot open folders for this. */
async function syncFolder(folder: string): Promise<void> {
  if (process.platform === "win32") {
    return;
  }
  const handle = await open(folder, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
