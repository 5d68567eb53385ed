import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openSession } from "../src/session/reader.js";
import { formatZarrMetadata } from "../src/session/zarr-metadata.js";
import { parseZarrMetadata } from "../src/session/zarr-parse.js";
import {
  bytesOf,
  decodeWithNumpy,
  makeTempFolder,
  PYTHON_SESSIONS,
  unzipWithCli,
} from "./session-helpers.js";

const CASES = [
  {
    name: "vhi_pose_rest",
    nSamples: 169,
    labels: [{ timestampS: 84121.288508666, classIndex: 0 }],
  },
  {
    name: "vhi_pose_moved",
    nSamples: 108,
    labels: [{ timestampS: 89776.927201291, classIndex: 1 }],
  },
] as const;

describe("sessions written by the Python system", () => {
  let scratch: Awaited<ReturnType<typeof makeTempFolder>>;

  beforeAll(async () => {
    scratch = await makeTempFolder();
  });

  afterAll(async () => {
    await scratch.remove();
  });

  for (const testCase of CASES) {
    describe(testCase.name, () => {
      const archivePath = join(PYTHON_SESSIONS, `${testCase.name}.session.zip`);

      it("opens with its metadata and labels", async () => {
        const session = await openSession(archivePath);
        expect(session.name).toBe(testCase.name);
        expect(session.appName).toBe("EMG Regression");
        expect(session.schemaVersion).toBeNull();
        expect(session.classNames).toEqual(["Rest", "Fist"]);
        expect(session.meta.pose_convention).toBe("standard");
        expect(session.labels).toEqual(testCase.labels);
        expect(session.warnings).toEqual([]);
        expect(session.streams).toEqual([
          {
            name: "vhi_control",
            kind: "numeric",
            nChannels: 9,
            sampleRateHz: 60,
            dtype: "float32",
            nSamples: testCase.nSamples,
          },
        ]);
      });

      it("reads values equal to numpy's decoding", async () => {
        const session = await openSession(archivePath);
        const stream = await session.readStream("vhi_control");
        expect(stream.nSamples).toBe(testCase.nSamples);
        expect(stream.nChannels).toBe(9);
        expect(stream.samples).toBeInstanceOf(Float32Array);
        expect(stream.samples.length).toBe(testCase.nSamples * 9);
        expect(stream.timestamps.length).toBe(testCase.nSamples);

        const extracted = join(scratch.path, testCase.name);
        unzipWithCli(archivePath, extracted);
        const data = await decodeWithNumpy(join(extracted, "vhi_control.zarr"), scratch.path);
        const times = await decodeWithNumpy(
          join(extracted, "vhi_control_timestamps.zarr"),
          scratch.path,
        );
        expect(data.shape).toEqual([testCase.nSamples, 9]);
        expect(times.shape).toEqual([testCase.nSamples]);
        expect(bytesOf(stream.samples).equals(data.bytes)).toBe(true);
        expect(bytesOf(stream.timestamps).equals(times.bytes)).toBe(true);
      });

      it("reads the extracted folder identically", async () => {
        const extracted = join(scratch.path, `${testCase.name}-folder`);
        unzipWithCli(archivePath, extracted);
        const fromFolder = await (await openSession(extracted)).readStream("vhi_control");
        const fromArchive = await (await openSession(archivePath)).readStream("vhi_control");
        expect(fromFolder.samples).toEqual(fromArchive.samples);
        expect(fromFolder.timestamps).toEqual(fromArchive.timestamps);
      });

      it("ends the trial at the last sample", async () => {
        const session = await openSession(archivePath);
        const stream = await session.readStream("vhi_control");
        const label = testCase.labels[0];
        expect(session.trials()).toEqual([
          {
            classIndex: label.classIndex,
            className: session.classNames[label.classIndex],
            startS: label.timestampS,
            endS: stream.timestamps[stream.nSamples - 1],
          },
        ]);
      });

      it("formats zarr.json byte for byte", async () => {
        const extracted = join(scratch.path, `${testCase.name}-metadata`);
        unzipWithCli(archivePath, extracted);
        for (const array of ["vhi_control.zarr", "vhi_control_timestamps.zarr"]) {
          const path = join(extracted, array, "zarr.json");
          const text = await readFile(path, "utf8");
          expect(formatZarrMetadata(parseZarrMetadata(text, path))).toBe(text);
        }
      });
    });
  }
});
