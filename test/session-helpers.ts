import { spawnSync } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import yazl from "yazl";

/** Folder with the two sessions recorded by the Python system. */
export const PYTHON_SESSIONS = "/work/shared/data/myogestic-sessions";

/** Creates a temporary folder and returns it with a function that removes it. */
export async function makeTempFolder(
  prefix = "myogestic-session-",
): Promise<{ path: string; remove: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

/** Extracts a zip archive with Debian's `unzip` command, independent of this project's reader. */
export function unzipWithCli(archivePath: string, into: string): void {
  const result = spawnSync("unzip", ["-q", archivePath, "-d", into], { encoding: "utf8" });
  if (result.status !== 0) {
    throw new Error(`unzip failed on ${archivePath}: ${result.stderr}`);
  }
}

/**
 * Decodes one Zarr array with numpy and the `zstd` command, independently of this project's
 * reader: chunk keys `c/<i>/0` (2-D) or `c/<i>` (1-D), little-endian float data, trimmed to the
 * declared shape. Prints the declared shape as JSON and writes the raw values to a file.
 */
const NUMPY_DECODER = `
import json, subprocess, sys
import numpy as np
folder, out = sys.argv[1], sys.argv[2]
meta = json.load(open(folder + "/zarr.json"))
shape, chunk = meta["shape"], meta["chunk_grid"]["configuration"]["chunk_shape"]
dtype = np.dtype({"float32": "<f4", "float64": "<f8"}[meta["data_type"]])
names = [codec["name"] for codec in meta["codecs"]]
parts = []
n_chunks = -(-shape[0] // chunk[0])
for i in range(n_chunks):
    key = "c/%d/0" % i if len(shape) == 2 else "c/%d" % i
    path = folder + "/" + key
    if "zstd" in names:
        raw = subprocess.run(["zstd", "-d", "-c", path], check=True, capture_output=True).stdout
    else:
        raw = open(path, "rb").read()
    parts.append(np.frombuffer(raw, dtype=dtype).reshape(chunk))
values = np.concatenate(parts)[: shape[0]] if parts else np.zeros([0] + chunk[1:], dtype=dtype)
open(out, "wb").write(values.astype(dtype).tobytes())
print(json.dumps(shape))
`;

/** Decodes an array with numpy (see {@link NUMPY_DECODER}), returning its values and declared shape. */
export async function decodeWithNumpy(
  arrayFolder: string,
  scratchFolder: string,
): Promise<{ shape: number[]; bytes: Buffer }> {
  const out = join(scratchFolder, `numpy-${Math.random().toString(36).slice(2)}.bin`);
  const result = spawnSync("python3", ["-c", NUMPY_DECODER, arrayFolder, out], {
    encoding: "utf8",
  });
  if (result.status !== 0) {
    throw new Error(`numpy decoding of ${arrayFolder} failed: ${result.stderr}`);
  }
  const bytes = await readFile(out);
  return { shape: JSON.parse(result.stdout) as number[], bytes };
}

/** Returns the bytes of a typed array, for exact comparison with numpy's output. */
export function bytesOf(values: Float32Array | Float64Array): Buffer {
  return Buffer.from(values.buffer, values.byteOffset, values.byteLength);
}

/** Builds a zip archive in memory with yazl, entries stored or deflated. */
export async function buildZip(
  entries: { name: string; data: string | Buffer; compress?: boolean }[],
): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const entry of entries) {
    const data = typeof entry.data === "string" ? Buffer.from(entry.data) : entry.data;
    zip.addBuffer(data, entry.name, { compress: entry.compress ?? false });
  }
  zip.end();
  const pieces: Buffer[] = [];
  for await (const piece of zip.outputStream as AsyncIterable<Buffer>) {
    pieces.push(piece);
  }
  return Buffer.concat(pieces);
}

/** Replaces every occurrence of `from` with `to` (same length) in a buffer, in place. */
export function patchBytes(buffer: Buffer, from: string, to: string): Buffer {
  if (from.length !== to.length) {
    throw new Error("patchBytes needs a replacement of the same length");
  }
  let at = buffer.indexOf(from);
  if (at < 0) {
    throw new Error(`patchBytes: ${from} not found`);
  }
  while (at >= 0) {
    buffer.write(to, at, "latin1");
    at = buffer.indexOf(from, at + 1);
  }
  return buffer;
}

/** Resolves with `promise`, or rejects after `timeoutMs` naming what was awaited. */
export function withTimeout<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)),
      timeoutMs,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
