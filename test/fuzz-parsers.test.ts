import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { App } from "../src/app/app.js";
import { SimulatedClock } from "../src/core/clock.js";
import { LinearDiscriminant } from "../src/recipes/estimators/lda.js";
import { decodeModel, encodeModel } from "../src/ml/model-format.js";
import { parseNumericCsv } from "../src/session/csv.js";
import { parseLabels, parseMarkers, parseSessionMeta } from "../src/session/meta.js";
import { openSession } from "../src/session/reader.js";
import { decodeZarrChunk, encodeZarrChunk, loadZstdEncoder } from "../src/session/zarr-codecs.js";
import { parseZarrMetadata } from "../src/session/zarr-parse.js";
import { ManualSource } from "./support/manual-source.js";

/**
 * Mutation fuzzing of every parser that reads files from outside: a valid input is mutated
 * (bytes flipped, cut, spliced) and the parser must either accept it or throw an `Error` with a
 * message, never crash otherwise or hang. `FUZZ_RUNS` sets the cases per parser (default 300).
 */
const FUZZ_RUNS = Number(process.env.FUZZ_RUNS ?? 300);

/** Generates mutations of `valid`: some bytes set to random values, then optionally cut. */
function mutated(valid: Uint8Array): fc.Arbitrary<Uint8Array> {
  return fc
    .tuple(fc.array(fc.tuple(fc.nat(Math.max(0, valid.length - 1)), fc.integer({ min: 0, max: 255 })), { maxLength: 12 }), fc.option(fc.nat(valid.length)))
    .map(([flips, cut]) => {
      const bytes = Uint8Array.from(valid);
      for (const [at, value] of flips) bytes[at] = value;
      return cut === null ? bytes : bytes.subarray(0, cut);
    });
}

/** Runs `parse` on every mutation; only `Error`s with a message may escape. */
function survives(valid: Uint8Array, parse: (bytes: Uint8Array) => unknown): void {
  fc.assert(
    fc.property(mutated(valid), (bytes) => {
      try {
        parse(bytes);
      } catch (error) {
        expect(error).toBeInstanceOf(Error);
        expect((error as Error).message.length).toBeGreaterThan(0);
      }
    }),
    { numRuns: FUZZ_RUNS },
  );
}

const text = (value: string) => new TextEncoder().encode(value);
let folder = "";
let sessionFolder = "";
let archivePath = "";

beforeAll(async () => {
  await loadZstdEncoder();
  folder = await mkdtemp(join(tmpdir(), "myogestic-fuzz-"));
  const clock = new SimulatedClock(10);
  const app = new App({ name: "fuzz", classNames: ["Rest", "Fist"], clock });
  const source = new ManualSource({ nChannels: 2, sampleRateHz: 100 });
  app.addStream({ name: "emg", source });
  await app.start();
  app.ctx.cue = 1;
  const started = await app.startRecording({ folder, name: "fuzz", compression: "zstd" });
  if (!started.ok) throw new Error(started.reason);
  source.push({ nChannels: 2, samples: Float32Array.from({ length: 300 }, (_, index) => Math.sin(index)) });
  const saved = await app.stopRecording();
  await app.stop();
  if (!saved.ok) throw new Error(saved.reason);
  archivePath = saved.archivePath;
  sessionFolder = archivePath.replace(/\.session\.zip$/, "");
});

afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

describe("parsers under mutated input", () => {
  it("Zarr array metadata", async () => {
    const valid = await readFile(join(sessionFolder, "emg.zarr", "zarr.json")).catch(() => undefined);
    const source = valid ?? text(JSON.stringify({ zarr_format: 3, node_type: "array", shape: [150, 2], data_type: "float32", chunk_grid: { name: "regular", configuration: { chunk_shape: [100, 2] } }, chunk_key_encoding: { name: "default", configuration: { separator: "/" } }, fill_value: 0, codecs: [{ name: "bytes", configuration: { endian: "little" } }] }));
    survives(source, (bytes) => parseZarrMetadata(bytes, "zarr.json"));
  });

  it("Zarr chunks, raw and zstd", () => {
    const base = JSON.stringify({ zarr_format: 3, node_type: "array", shape: [64, 2], data_type: "float32", chunk_grid: { name: "regular", configuration: { chunk_shape: [64, 2] } }, chunk_key_encoding: { name: "default", configuration: { separator: "/" } }, fill_value: 0 });
    const values = Float32Array.from({ length: 128 }, (_, index) => index / 7);
    for (const codecs of [[{ name: "bytes", configuration: { endian: "little" } }], [{ name: "bytes", configuration: { endian: "little" } }, { name: "zstd", configuration: { level: 3, checksum: false } }]]) {
      const metadata = parseZarrMetadata(text(base.replace(/}$/, `,"codecs":${JSON.stringify(codecs)}}`)), "zarr.json");
      survives(encodeZarrChunk(metadata, values), (bytes) => decodeZarrChunk(metadata, bytes, "c/0/0"));
    }
  });

  it("session meta, labels and markers", () => {
    const meta = text(JSON.stringify({ app: "fuzz", class_names: ["Rest", "Fist"], streams: { emg: { n_channels: 2, fs: 100, dtype: "float32" } } }));
    survives(meta, (bytes) => parseSessionMeta(bytes, "meta.json"));
    survives(text(JSON.stringify([{ timestamp: 1.5, class_index: 1 }, { timestamp: 2, class_index: 0 }])), (bytes) => parseLabels(bytes, "labels.json", ["Rest", "Fist"]));
    survives(text(JSON.stringify([{ timestamp: 1.5, value: "go" }])), (bytes) => parseMarkers(bytes, "markers.json"));
  });

  it("session archives", async () => {
    const valid = await readFile(archivePath);
    const path = join(folder, "mutated.session.zip");
    await fc.assert(
      fc.asyncProperty(mutated(valid), async (bytes) => {
        await writeFile(path, bytes);
        try {
          const session = await openSession(path);
          await session.readStream("emg");
        } catch (error) {
          expect(error).toBeInstanceOf(Error);
        }
      }),
      { numRuns: Math.ceil(FUZZ_RUNS / 3) },
    );
  }, 120_000);

  it("model files", () => {
    const model = new LinearDiscriminant().fit([[0, 0], [0.2, 0.1], [5, 5], [5.1, 4.9]], [0, 0, 1, 1]);
    survives(encodeModel(model), (bytes) => decodeModel(bytes, "model.myogestic"));
  });

  it("data-set CSV", () => {
    const csv = text(Array.from({ length: 20 }, (_, row) => Array.from({ length: 8 }, (_, column) => String(row * 8 - column)).join(",")).join("\n"));
    survives(csv, (bytes) => parseNumericCsv(new TextDecoder().decode(bytes), "R_1_C_0.csv"));
  });
});
