import { mkdir, readFile, truncate, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FolderStore } from "../src/session/store.js";
import { readZarrArray } from "../src/session/zarr.js";
import { formatZarrMetadata, type ZarrArrayMetadata } from "../src/session/zarr-metadata.js";
import { parseZarrMetadata } from "../src/session/zarr-parse.js";
import { ZarrAppendWriter } from "../src/session/zarr-writer.js";
import { makeTempFolder } from "./session-helpers.js";

let root: Awaited<ReturnType<typeof makeTempFolder>>;

beforeEach(async () => {
  root = await makeTempFolder("myogestic-zarr-");
});

afterEach(async () => {
  await root.remove();
});

/** Builds a valid `zarr.json` document of a 2-D float32 array, with fields replaced by `changes`. */
function metadataDocument(changes: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    shape: [5, 3],
    data_type: "float32",
    chunk_grid: { name: "regular", configuration: { chunk_shape: [2, 3] } },
    chunk_key_encoding: { name: "default", configuration: { separator: "/" } },
    fill_value: 0.0,
    codecs: [{ name: "bytes", configuration: { endian: "little" } }],
    attributes: {},
    zarr_format: 3,
    node_type: "array",
    storage_transformers: [],
    ...changes,
  };
}

async function writeArray(
  name: string,
  document: Record<string, unknown>,
  chunks: Record<string, Buffer>,
): Promise<void> {
  const folder = join(root.path, name);
  await mkdir(folder, { recursive: true });
  await writeFile(join(folder, "zarr.json"), JSON.stringify(document));
  for (const [key, bytes] of Object.entries(chunks)) {
    const parts = key.split("/");
    await mkdir(join(folder, ...parts.slice(0, -1)), { recursive: true });
    await writeFile(join(folder, ...parts), bytes);
  }
}

function float32Bytes(values: number[]): Buffer {
  return Buffer.from(new Float32Array(values).buffer);
}

describe("zarr.json parsing", () => {
  const location = "/data/emg.zarr/zarr.json";
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ["missing shape", { shape: undefined }, /"shape" must be an array of non-negative integers/],
    [
      "negative shape",
      { shape: [-1, 3] },
      /"shape" must be an array of non-negative integers, found \[-1,3\]/,
    ],
    [
      "three dimensions",
      {
        shape: [1, 2, 3],
        chunk_grid: { name: "regular", configuration: { chunk_shape: [1, 2, 3] } },
      },
      /has 3 dimensions/,
    ],
    [
      "unknown data type",
      { data_type: "complex64" },
      /"data_type" is "complex64"; supported data types are/,
    ],
    [
      "zero chunk size",
      { chunk_grid: { name: "regular", configuration: { chunk_shape: [0, 3] } } },
      /chunk_shape" must be an array of positive integers/,
    ],
    ["wrong zarr format", { zarr_format: 2 }, /"zarr_format" must be 3, found 2/],
    ["a group", { node_type: "group" }, /"node_type" must be "array", found "group"/],
    [
      "unknown codec",
      { codecs: [{ name: "bytes", configuration: { endian: "little" } }, { name: "blosc" }] },
      /codecs\[1\]" is codec "blosc"/,
    ],
    ["missing endian", { codecs: [{ name: "bytes" }] }, /endian" must be "little" or "big"/],
    [
      "transpose first",
      { codecs: [{ name: "transpose" }, { name: "bytes" }] },
      /first codec must be "bytes"/,
    ],
    [
      "storage transformers",
      { storage_transformers: [{ name: "x" }] },
      /"storage_transformers" must be empty/,
    ],
    [
      "unknown extension",
      { sharding_v9: {} },
      /"sharding_v9" is an extension this reader does not understand/,
    ],
    ["absurd shape", { shape: [2 ** 30, 3] }, /declares 3221225472 elements, more than the limit/],
    [
      "absurd chunk",
      { chunk_grid: { name: "regular", configuration: { chunk_shape: [2 ** 28, 3] } } },
      /declares chunks of 3221225472 bytes/,
    ],
    [
      "too many chunks",
      {
        shape: [2 ** 22, 3],
        chunk_grid: { name: "regular", configuration: { chunk_shape: [1, 3] } },
      },
      /makes 4194304 chunks, more than the limit of 1048576/,
    ],
    [
      "text fill value",
      { fill_value: "zero" },
      /"fill_value" must be a number for data type float32/,
    ],
  ];
  for (const [name, changes, message] of cases) {
    it(`rejects ${name} naming the file`, () => {
      const text = JSON.stringify(metadataDocument(changes));
      expect(() => parseZarrMetadata(text, location)).toThrow(message);
      expect(() => parseZarrMetadata(text, location)).toThrow(location);
    });
  }

  it("rejects invalid JSON naming the file", () => {
    expect(() => parseZarrMetadata('{"shape": [5, ', location)).toThrow(
      `${location}: invalid JSON`,
    );
  });

  it("accepts optional extensions and special fills", () => {
    const parsed = parseZarrMetadata(
      JSON.stringify(
        metadataDocument({
          fill_value: "NaN",
          extra: { must_understand: false },
          dimension_names: ["t", "c"],
        }),
      ),
      location,
    );
    expect(parsed.fillValue).toBeNaN();
    expect(
      parseZarrMetadata(JSON.stringify(metadataDocument({ fill_value: "0x3f800000" })), location)
        .fillValue,
    ).toBe(1);
    expect(
      parseZarrMetadata(JSON.stringify(metadataDocument({ fill_value: "-Infinity" })), location)
        .fillValue,
    ).toBe(-Infinity);
  });

  it("formats metadata that parses back", () => {
    const parsed = parseZarrMetadata(
      JSON.stringify(metadataDocument({ fill_value: 1.5 })),
      location,
    );
    expect(parseZarrMetadata(formatZarrMetadata(parsed), location)).toEqual(parsed);
    expect(formatZarrMetadata(parsed)).toContain('"fill_value": 1.5,');
  });
});

describe("readZarrArray", () => {
  it("trims a padded last chunk", async () => {
    const values = Array.from({ length: 18 }, (_, i) => i + 0.5);
    await writeArray("a.zarr", metadataDocument(), {
      "c/0/0": float32Bytes(values.slice(0, 6)),
      "c/1/0": float32Bytes(values.slice(6, 12)),
      "c/2/0": float32Bytes([...values.slice(12, 15), 99, 99, 99]),
    });
    const read = await readZarrArray(new FolderStore(root.path), "a.zarr");
    expect(read.nRows).toBe(5);
    expect(read.nColumns).toBe(3);
    expect(Array.from(read.values)).toEqual(values.slice(0, 15));
    expect(read.missingChunks).toEqual([]);
  });

  it("reads missing chunks as fill value", async () => {
    await writeArray("a.zarr", metadataDocument({ fill_value: 7 }), {
      "c/0/0": float32Bytes([1, 2, 3, 4, 5, 6]),
      "c/2/0": float32Bytes([13, 14, 15, 0, 0, 0]),
    });
    const read = await readZarrArray(new FolderStore(root.path), "a.zarr");
    expect(Array.from(read.values)).toEqual([1, 2, 3, 4, 5, 6, 7, 7, 7, 7, 7, 7, 13, 14, 15]);
    expect(read.missingChunks).toEqual(["c/1/0"]);
  });

  it("reads big-endian int16 in v2 layout", async () => {
    // A 3 × 3 array in 2 × 2 chunks: chunk (i, j) covers rows 2i.. and columns 2j..
    const element = (row: number, column: number): number => row * 10 + column - 5;
    const chunk = (i: number, j: number): Buffer => {
      const bytes = Buffer.alloc(8);
      for (let r = 0; r < 2; r++) {
        for (let c = 0; c < 2; c++) {
          bytes.writeInt16BE(element(2 * i + r, 2 * j + c), (r * 2 + c) * 2);
        }
      }
      return bytes;
    };
    await writeArray(
      "b.zarr",
      metadataDocument({
        shape: [3, 3],
        data_type: "int16",
        chunk_grid: { name: "regular", configuration: { chunk_shape: [2, 2] } },
        chunk_key_encoding: { name: "v2", configuration: { separator: "." } },
        codecs: [{ name: "bytes", configuration: { endian: "big" } }],
      }),
      { "0.0": chunk(0, 0), "0.1": chunk(0, 1), "1.0": chunk(1, 0), "1.1": chunk(1, 1) },
    );
    const read = await readZarrArray(new FolderStore(root.path), "b.zarr");
    expect(read.values).toBeInstanceOf(Int16Array);
    expect(Array.from(read.values)).toEqual([-5, -4, -3, 5, 6, 7, 15, 16, 17]);
  });

  it("reads 1-D arrays with dot separator", async () => {
    await writeArray(
      "t.zarr",
      metadataDocument({
        shape: [3],
        data_type: "float64",
        chunk_grid: { name: "regular", configuration: { chunk_shape: [2] } },
        chunk_key_encoding: { name: "default", configuration: { separator: "." } },
      }),
      {
        "c.0": Buffer.from(new Float64Array([0.25, 0.5]).buffer),
        "c.1": Buffer.from(new Float64Array([0.75, 0]).buffer),
      },
    );
    const read = await readZarrArray(new FolderStore(root.path), "t.zarr");
    expect(Array.from(read.values)).toEqual([0.25, 0.5, 0.75]);
  });

  it("rejects a wrongly sized chunk", async () => {
    await writeArray("a.zarr", metadataDocument(), {
      "c/0/0": float32Bytes([1, 2, 3, 4, 5, 6]),
      "c/1/0": float32Bytes([1, 2, 3]),
    });
    const chunkPath = join(root.path, "a.zarr", "c", "1", "0");
    await expect(readZarrArray(new FolderStore(root.path), "a.zarr")).rejects.toThrow(
      `${chunkPath}: chunk has 12 bytes after decoding, but a chunk of shape [2, 3] of float32 has 24`,
    );
  });

  it("rejects a missing zarr.json naming it", async () => {
    await expect(readZarrArray(new FolderStore(root.path), "none.zarr")).rejects.toThrow(
      `${join(root.path, "none.zarr", "zarr.json")}: file not found`,
    );
  });
});

describe("ZarrAppendWriter", () => {
  function rows(first: number, count: number, nColumns: number): Float32Array {
    return Float32Array.from({ length: count * nColumns }, (_, i) => first * nColumns + i);
  }

  for (const compression of ["none", "zstd"] as const) {
    it(`writes full chunks once and pads the last (${compression})`, async () => {
      const folder = join(root.path, "w.zarr");
      const writer = await ZarrAppendWriter.create(folder, {
        dataType: "float32",
        nColumns: 4,
        chunkRows: 10,
        compression,
      });
      writer.append(rows(0, 23, 4), 23);
      expect(writer.rowsOnDisk).toBe(0);
      await writer.flush();
      expect(writer.rowsOnDisk).toBe(23);

      const store = new FolderStore(root.path);
      const read = await readZarrArray(store, "w.zarr");
      expect(read.values).toEqual(rows(0, 23, 4));
      const metadata: ZarrArrayMetadata = parseZarrMetadata(
        await readFile(join(folder, "zarr.json")),
        "zarr.json",
      );
      expect(metadata.shape).toEqual([23, 4]);
      expect(metadata.codecs.map((codec) => codec.name)).toEqual(
        compression === "zstd" ? ["bytes", "zstd"] : ["bytes"],
      );
      if (compression === "none") {
        // The partial chunk is stored at full size, zero beyond the declared rows.
        const last = new Float32Array(
          new Uint8Array(await readFile(join(folder, "c", "2", "0"))).buffer,
        );
        expect(last.length).toBe(40);
        expect(Array.from(last.subarray(12))).toEqual(new Array(28).fill(0));
      }

      writer.append(rows(23, 20, 4), 20);
      await writer.flush();
      expect((await readZarrArray(store, "w.zarr")).values).toEqual(rows(0, 43, 4));
    });
  }

  it("flushes only the requested rows", async () => {
    const writer = await ZarrAppendWriter.create(join(root.path, "w.zarr"), {
      dataType: "float32",
      nColumns: 2,
      chunkRows: 10,
    });
    const store = new FolderStore(root.path);
    writer.append(rows(0, 23, 2), 23);
    await writer.flush(15);
    expect(writer.rowsOnDisk).toBe(15);
    expect((await readZarrArray(store, "w.zarr")).values).toEqual(rows(0, 15, 2));

    await writer.flush(21);
    expect(writer.rowsOnDisk).toBe(21);
    expect((await readZarrArray(store, "w.zarr")).values).toEqual(rows(0, 21, 2));

    await writer.flush();
    expect(writer.rowsOnDisk).toBe(23);
    expect(writer.rowsPending).toBe(0);
    expect((await readZarrArray(store, "w.zarr")).values).toEqual(rows(0, 23, 2));
  });

  it("stays readable while being written", async () => {
    // Reads run concurrently with appends and flushes, seeing the states a killed process
    // could leave: every read must succeed and hold a prefix of the appended rows.
    const nColumns = 3;
    const writer = await ZarrAppendWriter.create(join(root.path, "w.zarr"), {
      dataType: "float32",
      nColumns,
      chunkRows: 7,
    });
    const store = new FolderStore(root.path);
    let done = false;
    let reads = 0;
    const reader = (async () => {
      while (!done) {
        const read = await readZarrArray(store, "w.zarr");
        expect(read.missingChunks).toEqual([]);
        expect(read.values).toEqual(rows(0, read.nRows, nColumns));
        reads++;
      }
    })();
    let appended = 0;
    for (let round = 0; round < 60; round++) {
      const count = 1 + ((round * 5) % 11);
      writer.append(rows(appended, count, nColumns), count);
      appended += count;
      await writer.flush();
    }
    done = true;
    await reader;
    expect(reads).toBeGreaterThan(0);
    expect(writer.rowsOnDisk).toBe(appended);
  });

  it("rejects a truncated zstd chunk", async () => {
    const writer = await ZarrAppendWriter.create(join(root.path, "w.zarr"), {
      dataType: "float32",
      nColumns: 2,
      chunkRows: 5,
      compression: "zstd",
    });
    writer.append(rows(0, 10, 2), 10);
    await writer.flush();
    const chunkPath = join(root.path, "w.zarr", "c", "1", "0");
    const size = (await readFile(chunkPath)).length;
    await truncate(chunkPath, size - 4);
    await expect(readZarrArray(new FolderStore(root.path), "w.zarr")).rejects.toThrow(
      `${chunkPath}: invalid zstd data`,
    );
  });
});
