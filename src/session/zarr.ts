import { decodeZarrChunk } from "./zarr-codecs.js";
import { parseZarrMetadata } from "./zarr-parse.js";
import {
  ZARR_ARRAY_TYPES,
  zarrChunkKey,
  type ZarrArrayMetadata,
  type ZarrTypedArray,
} from "./zarr-metadata.js";
import type { SessionStore } from "./store.js";

/**
 * Reading Zarr v3 arrays of one or two dimensions from a session store.
 *
 * The declared `shape` wins over what lies on disk. The trailing chunk is padded beyond the
 * shape, and only the declared rows are returned. A missing chunk reads as the array's
 * `fill_value`, and the result lists which keys were missing.
 */

/** Number of chunk reads in flight at once while reading an array. */
const READ_CONCURRENCY = 8;

/** Rows of an array, read from its chunks. */
export interface ZarrRows {
  readonly metadata: ZarrArrayMetadata;
  /** Row-major values, `nRows × nColumns`, in the array's data type. */
  readonly values: ZarrTypedArray;
  readonly nRows: number;
  /** Second dimension of the shape, or 1 for a 1-D array. */
  readonly nColumns: number;
  /** Chunk keys (relative to the array folder) that were absent and read as `fill_value`. */
  readonly missingChunks: readonly string[];
}

/** Reads and parses `<arrayPath>/zarr.json`, or returns `undefined` when the file is absent. */
export async function readZarrMetadata(
  store: SessionStore,
  arrayPath: string,
): Promise<ZarrArrayMetadata | undefined> {
  const path = `${arrayPath}/zarr.json`;
  const bytes = await store.read(path);
  return bytes === undefined ? undefined : parseZarrMetadata(bytes, store.locate(path));
}

/** Column count of a 1-D or 2-D array. */
export function zarrColumns(metadata: ZarrArrayMetadata): number {
  return metadata.shape[1] ?? 1;
}

/** Keys of the chunks that hold rows `[0, nRows)`, relative to the array folder. */
export function zarrChunkKeysForRows(metadata: ZarrArrayMetadata, nRows: number): string[] {
  const chunkRows = metadata.chunkShape[0] as number;
  const nColumns = zarrColumns(metadata);
  const chunkColumns = metadata.chunkShape[1] ?? 1;
  const keys: string[] = [];
  for (let row = 0; row * chunkRows < nRows; row++) {
    if (metadata.shape.length === 1) {
      keys.push(zarrChunkKey(metadata, [row]));
      continue;
    }
    for (let column = 0; column * chunkColumns < nColumns; column++) {
      keys.push(zarrChunkKey(metadata, [row, column]));
    }
  }
  return keys;
}

/**
 * Reads rows `[firstRow, endRow)` of the array at `arrayPath` (a folder holding `zarr.json`).
 * The range is clipped to the declared shape. Every chunk read is decoded and checked for its
 * exact size; a corrupt chunk is an error naming it.
 */
export async function readZarrRows(
  store: SessionStore,
  arrayPath: string,
  metadata: ZarrArrayMetadata,
  firstRow = 0,
  endRow: number = metadata.shape[0] as number,
): Promise<ZarrRows> {
  const totalRows = metadata.shape[0] as number;
  const start = Math.max(0, Math.min(firstRow, totalRows));
  const end = Math.max(start, Math.min(endRow, totalRows));
  const nRows = end - start;
  const nColumns = zarrColumns(metadata);
  const chunkRows = metadata.chunkShape[0] as number;
  const chunkColumns = metadata.chunkShape[1] ?? 1;
  const values = new ZARR_ARRAY_TYPES[metadata.dataType](nRows * nColumns);
  const missingChunks: string[] = [];

  const coordinates: number[][] = [];
  for (let row = Math.floor(start / chunkRows); row * chunkRows < end; row++) {
    for (let column = 0; column * chunkColumns < nColumns; column++) {
      coordinates.push(metadata.shape.length === 1 ? [row] : [row, column]);
    }
  }

  const readOne = async (coords: number[]): Promise<void> => {
    const key = zarrChunkKey(metadata, coords);
    const chunkPath = `${arrayPath}/${key}`;
    const stored = await store.read(chunkPath);
    const chunk =
      stored === undefined ? undefined : decodeZarrChunk(metadata, stored, store.locate(chunkPath));
    if (chunk === undefined) {
      missingChunks.push(key);
    }
    copyChunk(values, chunk, metadata.fillValue, {
      chunkFirstRow: (coords[0] as number) * chunkRows,
      chunkFirstColumn: (coords[1] ?? 0) * chunkColumns,
      chunkRows,
      chunkColumns,
      start,
      end,
      nColumns,
    });
  };

  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < coordinates.length) {
      const coords = coordinates[next++] as number[];
      await readOne(coords);
    }
  };
  await Promise.all(Array.from({ length: Math.min(READ_CONCURRENCY, coordinates.length) }, worker));
  missingChunks.sort();
  return { metadata, values, nRows, nColumns, missingChunks };
}

interface ChunkPlacement {
  chunkFirstRow: number;
  chunkFirstColumn: number;
  chunkRows: number;
  chunkColumns: number;
  /** Rows `[start, end)` of the array, which the output contains. */
  start: number;
  end: number;
  nColumns: number;
}

/** Copies the part of a chunk that lies inside the requested rows and the shape's columns. */
function copyChunk(
  output: ZarrTypedArray,
  chunk: ZarrTypedArray | undefined,
  fillValue: number,
  at: ChunkPlacement,
): void {
  const firstRow = Math.max(at.start, at.chunkFirstRow);
  const endRow = Math.min(at.end, at.chunkFirstRow + at.chunkRows);
  const columns = Math.min(at.chunkColumns, at.nColumns - at.chunkFirstColumn);
  if (endRow <= firstRow || columns <= 0) {
    return;
  }
  const fullWidth =
    at.chunkFirstColumn === 0 && columns === at.nColumns && at.chunkColumns === at.nColumns;
  if (fullWidth) {
    // Rows of the chunk and of the output are contiguous: one copy.
    const outputOffset = (firstRow - at.start) * at.nColumns;
    const length = (endRow - firstRow) * at.nColumns;
    if (chunk === undefined) {
      output.fill(fillValue, outputOffset, outputOffset + length);
    } else {
      const chunkOffset = (firstRow - at.chunkFirstRow) * at.chunkColumns;
      output.set(chunk.subarray(chunkOffset, chunkOffset + length), outputOffset);
    }
    return;
  }
  for (let row = firstRow; row < endRow; row++) {
    const outputOffset = (row - at.start) * at.nColumns + at.chunkFirstColumn;
    if (chunk === undefined) {
      output.fill(fillValue, outputOffset, outputOffset + columns);
    } else {
      const chunkOffset = (row - at.chunkFirstRow) * at.chunkColumns;
      output.set(chunk.subarray(chunkOffset, chunkOffset + columns), outputOffset);
    }
  }
}

/**
 * Reads a whole array: its metadata and every row of its declared shape, or the first
 * `maxRows` rows when given. Fails when `zarr.json` is missing, naming the file.
 */
export async function readZarrArray(
  store: SessionStore,
  arrayPath: string,
  maxRows?: number,
): Promise<ZarrRows> {
  const metadata = await readZarrMetadata(store, arrayPath);
  if (metadata === undefined) {
    throw new Error(
      `${store.locate(`${arrayPath}/zarr.json`)}: file not found, so ${arrayPath} is not a Zarr array.`,
    );
  }
  return readZarrRows(store, arrayPath, metadata, 0, maxRows ?? (metadata.shape[0] as number));
}
