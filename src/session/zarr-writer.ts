import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomic } from "./atomic.js";
import { encodeZarrChunk, loadZstdEncoder } from "./zarr-codecs.js";
import {
  formatZarrMetadata,
  zarrChunkKey,
  type ZarrArrayMetadata,
  type ZarrCodec,
} from "./zarr-metadata.js";

/** Options of {@link ZarrAppendWriter.create}. */
export interface ZarrAppendWriterOptions {
  readonly dataType: "float32" | "float64";
  /** Values per row, giving a `rows × nColumns` array; omit for a 1-D array. */
  readonly nColumns?: number;
  /** Rows per chunk (the recorder uses one second of samples). */
  readonly chunkRows: number;
  /** Chunk compression. Default `none`. */
  readonly compression?: "none" | "zstd";
  /** zstd level written to the metadata and used to encode; 0 is zstd's default (3). Default 0. */
  readonly zstdLevel?: number;
}

type RowArray = Float32Array | Float64Array;

interface PendingChunk {
  readonly index: number;
  readonly values: RowArray;
}

/**
 * A Zarr v3 array that grows by rows, written so that a process killed at any moment leaves a
 * readable array.
 *
 * {@link ZarrAppendWriter.append} only copies rows into memory. {@link ZarrAppendWriter.flush}
 * writes each completed chunk once, rewrites the partial last chunk (padded with zeros, the
 * fill value, to the full chunk size), and only then updates `shape` in `zarr.json`. Every
 * file is written to a temporary name and renamed into place, so the declared shape never
 * covers rows that are not on disk.
 */
export class ZarrAppendWriter {
  /** The array's folder (the one holding `zarr.json`). */
  readonly folder: string;
  readonly metadata: ZarrArrayMetadata;
  readonly #nColumns: number;
  readonly #chunkRows: number;
  readonly #ArrayType: typeof Float32Array | typeof Float64Array;
  #current: RowArray;
  #currentIndex = 0;
  #currentRows = 0;
  readonly #completed: PendingChunk[] = [];
  #rowsAppended = 0;
  #rowsOnDisk = 0;
  readonly #createdChunkFolders = new Set<string>();
  #scratch: RowArray | undefined;
  #flushing: Promise<void> = Promise.resolve();

  private constructor(folder: string, metadata: ZarrArrayMetadata, nColumns: number) {
    this.folder = folder;
    this.metadata = metadata;
    this.#nColumns = nColumns;
    this.#chunkRows = metadata.chunkShape[0] as number;
    this.#ArrayType = metadata.dataType === "float32" ? Float32Array : Float64Array;
    this.#current = new this.#ArrayType(this.#chunkRows * nColumns);
  }

  /**
   * Creates the array folder (its parent must exist, and the folder must not) and writes
   * `zarr.json` with zero rows. Loads the zstd encoder first when compression is `zstd`.
   */
  static async create(folder: string, options: ZarrAppendWriterOptions): Promise<ZarrAppendWriter> {
    const { chunkRows, nColumns, compression = "none", zstdLevel = 0 } = options;
    if (!Number.isInteger(chunkRows) || chunkRows < 1) {
      throw new RangeError(`chunkRows must be a positive integer, received ${chunkRows}`);
    }
    if (nColumns !== undefined && (!Number.isInteger(nColumns) || nColumns < 1)) {
      throw new RangeError(
        `nColumns must be a positive integer or undefined, received ${nColumns}`,
      );
    }
    if (compression !== "none" && compression !== "zstd") {
      throw new TypeError(
        `compression must be "none" or "zstd", received ${JSON.stringify(compression)}`,
      );
    }
    const codecs: ZarrCodec[] = [{ name: "bytes", endian: "little" }];
    if (compression === "zstd") {
      await loadZstdEncoder();
      codecs.push({ name: "zstd", level: zstdLevel, checksum: false });
    }
    const metadata: ZarrArrayMetadata = {
      shape: nColumns === undefined ? [0] : [0, nColumns],
      dataType: options.dataType,
      chunkShape: nColumns === undefined ? [chunkRows] : [chunkRows, nColumns],
      chunkKeyEncoding: { name: "default", separator: "/" },
      fillValue: 0,
      codecs,
      attributes: {},
    };
    await mkdir(folder);
    await writeFileAtomic(join(folder, "zarr.json"), formatZarrMetadata(metadata));
    return new ZarrAppendWriter(folder, metadata, nColumns ?? 1);
  }

  /** Rows passed to {@link ZarrAppendWriter.append} so far. */
  get rowsAppended(): number {
    return this.#rowsAppended;
  }

  /** Rows that `zarr.json` declares, all of them on disk. */
  get rowsOnDisk(): number {
    return this.#rowsOnDisk;
  }

  /** Rows appended but not yet declared on disk. */
  get rowsPending(): number {
    return this.#rowsAppended - this.#rowsOnDisk;
  }

  /** Whether a chunk is complete and waiting for {@link ZarrAppendWriter.flush}. */
  get hasCompletedChunks(): boolean {
    return this.#completed.length > 0;
  }

  /**
   * Copies `nRows` rows (the first `nRows × nColumns` values of `values`, row-major) into
   * memory. Nothing is written until the next flush. Values are converted to the array's
   * data type as `TypedArray.set` converts them.
   */
  append(values: ArrayLike<number>, nRows: number): void {
    const nColumns = this.#nColumns;
    let done = 0;
    while (done < nRows) {
      const take = Math.min(nRows - done, this.#chunkRows - this.#currentRows);
      const from = done * nColumns;
      const to = (done + take) * nColumns;
      const part =
        values instanceof Float32Array || values instanceof Float64Array
          ? values.subarray(from, to)
          : Array.prototype.slice.call(values, from, to);
      this.#current.set(part, this.#currentRows * nColumns);
      this.#currentRows += take;
      done += take;
      if (this.#currentRows === this.#chunkRows) {
        this.#completed.push({ index: this.#currentIndex, values: this.#current });
        this.#current = new this.#ArrayType(this.#chunkRows * nColumns);
        this.#currentIndex++;
        this.#currentRows = 0;
      }
    }
    this.#rowsAppended += nRows;
  }

  /**
   * Writes the first `nRows` rows appended (default: every row appended before the call), then
   * declares them in `zarr.json`. Completed chunks are written whole, and an incomplete chunk
   * with the last of those rows is written padded with zeros. Calls run one after another. A
   * failed write keeps its chunk in memory, so the next flush retries it.
   */
  flush(nRows: number = this.#rowsAppended): Promise<void> {
    const run = this.#flushing.then(() => this.#flushNow(nRows));
    this.#flushing = run.catch(() => undefined);
    return run;
  }

  async #flushNow(nRows: number): Promise<void> {
    const targetRows = Math.max(this.#rowsOnDisk, Math.min(nRows, this.#rowsAppended));
    if (targetRows === this.#rowsOnDisk && this.#completed.length === 0) {
      return;
    }

    // The partial chunk is copied now, because appends during the writes below change it.
    const partialIndex = Math.floor(targetRows / this.#chunkRows);
    const partialRows = targetRows - partialIndex * this.#chunkRows;
    let partial: RowArray | undefined;
    if (partialRows > 0 && partialIndex === this.#currentIndex) {
      this.#scratch ??= new this.#ArrayType(this.#chunkRows * this.#nColumns);
      partial = this.#scratch;
      partial.set(this.#current.subarray(0, partialRows * this.#nColumns));
      partial.fill(0, partialRows * this.#nColumns);
    }

    // Completed chunks are final, so writing those past `targetRows` too is harmless.
    const completed = this.#completed.slice();
    for (const chunk of completed) {
      await this.#writeChunk(chunk.index, chunk.values);
      this.#completed.shift();
    }
    if (partial !== undefined) {
      await this.#writeChunk(partialIndex, partial);
    }

    if (targetRows !== this.#rowsOnDisk) {
      const shape = this.metadata.shape.length === 1 ? [targetRows] : [targetRows, this.#nColumns];
      await writeFileAtomic(
        join(this.folder, "zarr.json"),
        formatZarrMetadata({ ...this.metadata, shape }),
      );
      this.#rowsOnDisk = targetRows;
    }
  }

  async #writeChunk(index: number, values: RowArray): Promise<void> {
    const coords = this.metadata.shape.length === 1 ? [index] : [index, 0];
    const key = zarrChunkKey(this.metadata, coords);
    const parts = key.split("/");
    // Folders are made one level at a time, never recursively, so a session folder removed
    // during the recording makes the write fail instead of being silently recreated.
    for (let depth = 1; depth < parts.length; depth++) {
      const folder = join(this.folder, ...parts.slice(0, depth));
      if (!this.#createdChunkFolders.has(folder)) {
        await mkdir(folder).catch((error: NodeJS.ErrnoException) => {
          if (error.code !== "EEXIST") {
            throw error;
          }
        });
        this.#createdChunkFolders.add(folder);
      }
    }
    await writeFileAtomic(join(this.folder, ...parts), encodeZarrChunk(this.metadata, values));
  }
}
