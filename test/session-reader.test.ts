import { readFile, rm, truncate, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openSession } from "../src/session/reader.js";
import { SessionWriter } from "../src/session/writer.js";
import { makeTempFolder, PYTHON_SESSIONS, unzipWithCli } from "./session-helpers.js";

let root: Awaited<ReturnType<typeof makeTempFolder>>;

beforeEach(async () => {
  root = await makeTempFolder("myogestic-reader-");
});

afterEach(async () => {
  await root.remove();
});

/** Records a small session (3 channels, 25 samples in chunks of 10) and extracts it to a folder. */
async function recordedFolder(labels: [number, number | null][] = [[0.05, 0]]): Promise<string> {
  const writer = await SessionWriter.create({
    folder: join(root.path, "archives"),
    appName: "reader test",
    name: "s",
    classNames: ["rest", "fist"],
    streams: [{ name: "emg", kind: "numeric", nChannels: 3, sampleRateHz: 10 }],
  });
  const samples = Float32Array.from({ length: 75 }, (_, i) => i);
  const timestamps = Float64Array.from({ length: 25 }, (_, i) => i / 10);
  writer.append("emg", samples, timestamps, 25);
  for (const [timestampS, classIndex] of labels) {
    writer.addLabel(timestampS, classIndex);
  }
  const { archivePath } = await writer.close();
  const folder = join(root.path, "s");
  unzipWithCli(archivePath, folder);
  return folder;
}

async function editJson(path: string, edit: (document: any) => void): Promise<void> {
  const document = JSON.parse(await readFile(path, "utf8"));
  edit(document);
  await writeFile(path, JSON.stringify(document));
}

describe("openSession", () => {
  it("reads a folder like the archive", async () => {
    const folder = await recordedFolder();
    const session = await openSession(folder);
    expect(session.name).toBe("s");
    const emg = await session.readStream("emg");
    expect(Array.from(emg.samples)).toEqual(Array.from({ length: 75 }, (_, i) => i));
  });

  it("rejects a missing meta.json naming it", async () => {
    const folder = await recordedFolder();
    await rm(join(folder, "meta.json"));
    await expect(openSession(folder)).rejects.toThrow(
      `${join(folder, "meta.json")}: file not found`,
    );
  });

  it("rejects a meta.json that is not JSON", async () => {
    const folder = await recordedFolder();
    await writeFile(join(folder, "meta.json"), '{"app_name": ');
    await expect(openSession(folder)).rejects.toThrow(`${join(folder, "meta.json")}: invalid JSON`);
  });

  it("rejects a stream without a channel count", async () => {
    const folder = await recordedFolder();
    await editJson(join(folder, "meta.json"), (meta) => delete meta.streams.emg.n_channels);
    await expect(openSession(folder)).rejects.toThrow(
      `${join(folder, "meta.json")}: "streams.emg.n_channels" must be a positive integer, found undefined`,
    );
  });

  it("rejects a stream name that leaves the folder", async () => {
    const folder = await recordedFolder();
    await editJson(join(folder, "meta.json"), (meta) => {
      meta.streams["../emg"] = meta.streams.emg;
    });
    await expect(openSession(folder)).rejects.toThrow(/stream name "\.\.\/emg" contains a slash/);
  });

  it("rejects a newer schema version", async () => {
    const folder = await recordedFolder();
    await editJson(join(folder, "meta.json"), (meta) => {
      meta.schema_version = 2;
    });
    await expect(openSession(folder)).rejects.toThrow(
      /"schema_version" is 2, but this version of myogestic reads sessions up to version 1/,
    );
  });

  it("rejects an out-of-range class_index", async () => {
    const folder = await recordedFolder();
    await writeFile(
      join(folder, "labels.json"),
      JSON.stringify([{ timestamp: 1, class_index: 2 }]),
    );
    await expect(openSession(folder)).rejects.toThrow(
      `${join(folder, "labels.json")}: label 0 has class_index 2, but meta.json lists 2 class names (rest, fist)`,
    );
  });

  it("rejects a label without a timestamp", async () => {
    const folder = await recordedFolder();
    await writeFile(join(folder, "labels.json"), JSON.stringify([{ class_index: 0 }]));
    await expect(openSession(folder)).rejects.toThrow(
      `${join(folder, "labels.json")}: label 0 "timestamp" must be a finite number`,
    );
  });

  it("rejects a corrupted zarr.json naming it", async () => {
    const folder = await recordedFolder();
    const path = join(folder, "emg.zarr", "zarr.json");
    await editJson(path, (metadata) => delete metadata.data_type);
    await expect(openSession(folder)).rejects.toThrow(`${path}: "data_type" is undefined`);
  });

  it("rejects a listed stream without zarr.json", async () => {
    const folder = await recordedFolder();
    const path = join(folder, "emg_timestamps.zarr", "zarr.json");
    await rm(path);
    await expect(openSession(folder)).rejects.toThrow(
      `${path}: file not found, but meta.json lists the numeric stream "emg"`,
    );
  });

  it("rejects a channel count mismatch", async () => {
    const folder = await recordedFolder();
    await editJson(join(folder, "meta.json"), (meta) => {
      meta.streams.emg.n_channels = 4;
    });
    await expect(openSession(folder)).rejects.toThrow(
      /shape \[25, 3\] does not match the 4 channels/,
    );
  });

  it("rejects a wrongly sized chunk", async () => {
    const folder = await recordedFolder();
    const chunk = join(folder, "emg.zarr", "c", "1", "0");
    await truncate(chunk, 60);
    const session = await openSession(folder);
    await expect(session.readStream("emg")).rejects.toThrow(
      `${chunk}: chunk has 60 bytes after decoding, but a chunk of shape [10, 3] of float32 has 120`,
    );
  });

  it("rejects a truncated zstd chunk", async () => {
    const folder = join(root.path, "python");
    unzipWithCli(join(PYTHON_SESSIONS, "vhi_pose_rest.session.zip"), folder);
    const chunk = join(folder, "vhi_control.zarr", "c", "1", "0");
    await truncate(chunk, 20);
    const session = await openSession(folder);
    await expect(session.readStream("vhi_control")).rejects.toThrow(`${chunk}: invalid zstd data`);
  });

  it("reads a stream up to its first missing chunk, and says so", async () => {
    const folder = await recordedFolder();
    await rm(join(folder, "emg.zarr", "c", "1", "0"));
    const session = await openSession(folder);
    expect(session.warnings).toEqual([
      "emg: chunk emg.zarr/c/1/0 is missing, so the stream is read up to sample 10 of the 25 declared.",
    ]);
    const emg = await session.readStream("emg");
    expect(emg.nSamples).toBe(10);
    expect(emg.timestamps.length).toBe(10);
    expect(emg.samples[29]).toBe(29);
  });

  it("reads the shorter of data and timestamps", async () => {
    const folder = await recordedFolder();
    await editJson(join(folder, "emg_timestamps.zarr", "zarr.json"), (metadata) => {
      metadata.shape = [21];
    });
    const session = await openSession(folder);
    expect(session.warnings).toEqual([
      "emg: emg.zarr declares 25 samples but emg_timestamps.zarr declares 21; reading the first 21.",
    ]);
    expect(session.streams[0]?.nSamples).toBe(21);
    const emg = await session.readStream("emg");
    expect(emg.samples.length).toBe(63);
    expect(emg.timestamps.length).toBe(21);
  });

  it("lists streams for an unknown name", async () => {
    const session = await openSession(await recordedFolder());
    await expect(session.readStream("eeg")).rejects.toThrow(
      /no stream named "eeg"; the session has: emg/,
    );
    await expect(session.readMarkers("emg")).rejects.toThrow(
      /is a numeric stream; read it with readStream/,
    );
  });
});

describe("trials", () => {
  it("end at next label, cleared cue or end", async () => {
    // Written out of order: the reader sorts labels by time.
    const folder = await recordedFolder([
      [1.5, 0],
      [0.2, 1],
      [0.8, null],
      [1.0, 0],
      [1.2, 1],
    ]);
    const session = await openSession(folder);
    expect(session.labels.map((label) => label.timestampS)).toEqual([0.2, 0.8, 1.0, 1.2, 1.5]);
    expect(session.trials()).toEqual([
      { classIndex: 1, className: "fist", startS: 0.2, endS: 0.8 },
      { classIndex: 0, className: "rest", startS: 1.0, endS: 1.2 },
      { classIndex: 1, className: "fist", startS: 1.2, endS: 1.5 },
      { classIndex: 0, className: "rest", startS: 1.5, endS: 2.4 },
    ]);
  });

  it("are empty without labels", async () => {
    const session = await openSession(await recordedFolder([]));
    expect(session.labels).toEqual([]);
    expect(session.trials()).toEqual([]);
  });
});
