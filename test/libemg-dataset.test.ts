import { spawnSync } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  compareNatural,
  CsvFormatError,
  listLibemgDataset,
  parseLibemgFileName,
  readLibemgCsv,
} from "../src/session/libemg.js";
import { SHARED_DATA } from "./support/cli.js";

const DATA_SET = join(SHARED_DATA, "one-subject-myo");
const CLASS_NAMES = ["Hand_Close", "Hand_Open", "No_Motion", "Wrist_Extension", "Wrist_Flexion"];

let scratch: string;

beforeEach(async () => {
  scratch = await mkdtemp(join(tmpdir(), "myogestic-libemg-"));
});

afterEach(async () => {
  await rm(scratch, { recursive: true, force: true });
});

/** Reads a CSV with numpy in a child process and returns its values as float32, row-major. */
function loadWithNumpy(path: string): { shape: [number, number]; values: Float32Array } {
  const script = [
    "import sys, numpy as np",
    "a = np.loadtxt(sys.argv[1], delimiter=',', ndmin=2).astype(np.float32)",
    "sys.stdout.write(f'{a.shape[0]} {a.shape[1]}\\n')",
    "sys.stdout.flush()",
    "sys.stdout.buffer.write(a.astype('<f4').tobytes())",
  ].join("\n");
  const result = spawnSync("python3", ["-c", script, path], { maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) {
    throw new Error(`numpy failed to load ${path}: ${result.stderr.toString()}`);
  }
  const output = result.stdout;
  const newline = output.indexOf(10);
  const [rows, columns] = output.subarray(0, newline).toString().split(" ").map(Number) as [number, number];
  const bytes = output.subarray(newline + 1);
  const values = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  return { shape: [rows, columns], values };
}

describe("listLibemgDataset", () => {
  it("lists the one-subject data set", async () => {
    const dataset = await listLibemgDataset(DATA_SET);

    expect(dataset.files).toHaveLength(60);
    expect(dataset.classNames).toEqual(CLASS_NAMES);
    expect(dataset.metadataFiles).toHaveLength(6);
    for (let trial = 1; trial <= 6; trial++) {
      expect(dataset.files.filter((file) => file.trial === trial)).toHaveLength(10);
    }
  });

  it("orders the one-subject files by trial, repetition and class", async () => {
    const dataset = await listLibemgDataset(DATA_SET);
    const expected: string[] = [];
    for (let trial = 1; trial <= 6; trial++) {
      for (let rep = 0; rep < 2; rep++) {
        for (let classIndex = 0; classIndex < 5; classIndex++) {
          expected.push(`trial_${trial}/R_${rep}_C_${classIndex}.csv`);
        }
      }
    }

    expect(dataset.files.map((file) => file.relativePath)).toEqual(expected);
    expect(dataset.files[7]).toEqual({
      path: join(DATA_SET, "trial_1/R_1_C_2.csv"),
      relativePath: "trial_1/R_1_C_2.csv",
      rep: 1,
      classIndex: 2,
      trial: 1,
    });
  });

  it("sorts numbers in names naturally", async () => {
    for (const trial of [1, 2, 10]) {
      await mkdir(join(scratch, `trial_${trial}`));
      for (const rep of [0, 2, 10]) {
        await writeFile(join(scratch, `trial_${trial}`, `R_${rep}_C_1.csv`), "1,2\n");
      }
    }
    await writeFile(join(scratch, "notes.csv"), "not a data file\n");
    await writeFile(join(scratch, ".R_0_C_0.csv"), "hidden\n");

    const dataset = await listLibemgDataset(scratch);

    expect(dataset.files.map((file) => file.relativePath)).toEqual([
      "trial_1/R_0_C_1.csv",
      "trial_1/R_2_C_1.csv",
      "trial_1/R_10_C_1.csv",
      "trial_2/R_0_C_1.csv",
      "trial_2/R_2_C_1.csv",
      "trial_2/R_10_C_1.csv",
      "trial_10/R_0_C_1.csv",
      "trial_10/R_2_C_1.csv",
      "trial_10/R_10_C_1.csv",
    ]);
  });

  it("names classes missing from metadata by index", async () => {
    await writeFile(join(scratch, "R_0_C_0.csv"), "1\n");
    await writeFile(join(scratch, "R_0_C_2.csv"), "1\n");

    const dataset = await listLibemgDataset(scratch);

    expect(dataset.classNames).toEqual(["class_0", "class_1", "class_2"]);
    expect(dataset.files.map((file) => file.trial)).toEqual([undefined, undefined]);
  });

  it("returns an empty list for a folder without data files", async () => {
    const dataset = await listLibemgDataset(scratch);

    expect(dataset.files).toEqual([]);
    expect(dataset.classNames).toEqual([]);
  });

  it("rejects a missing folder", async () => {
    const missing = join(scratch, "nowhere");

    await expect(listLibemgDataset(missing)).rejects.toThrow(`LibEMG data set folder not found: ${missing}`);
  });

  it("rejects a file given as the folder", async () => {
    const file = join(scratch, "R_0_C_0.csv");
    await writeFile(file, "1\n");

    await expect(listLibemgDataset(file)).rejects.toThrow(/is not a folder/);
  });

  it("rejects metadata that is not JSON", async () => {
    await writeFile(join(scratch, "metadata.json"), "{ not json");

    await expect(listLibemgDataset(scratch)).rejects.toThrow(/metadata\.json is not valid JSON/);
  });

  it("rejects metadata entries of the wrong types", async () => {
    await writeFile(join(scratch, "metadata.json"), JSON.stringify({ "R_0_C_0.csv": { class_idx: "0", class_name: "Rest" } }));

    await expect(listLibemgDataset(scratch)).rejects.toThrow(/entry "R_0_C_0\.csv": expected class_idx to be an integer/);
  });

  it("rejects metadata files that disagree on a name", async () => {
    for (const [trial, name] of [
      [1, "Rest"],
      [2, "Fist"],
    ] as const) {
      await mkdir(join(scratch, `trial_${trial}`));
      await writeFile(
        join(scratch, `trial_${trial}`, "metadata.json"),
        JSON.stringify({ continuous: false, "x/R_0_C_0.csv": { rep_idx: 0, class_idx: 0, class_name: name } }),
      );
    }

    await expect(listLibemgDataset(scratch)).rejects.toThrow(/disagrees on class 0: "Rest" in .*trial_1.*"Fist" in .*trial_2/);
  });
});

describe("readLibemgCsv", () => {
  it("matches numpy on a one-subject file", async () => {
    const path = join(DATA_SET, "trial_3/R_1_C_3.csv");

    const csv = await readLibemgCsv(path);
    const reference = loadWithNumpy(path);

    expect([csv.nSamples, csv.nChannels]).toEqual(reference.shape);
    expect(csv.samples).toEqual(reference.values);
  });

  it("matches numpy on float text exactly", async () => {
    const path = join(scratch, "R_0_C_0.csv");
    const rows: string[] = [];
    for (let row = 0; row < 200; row++) {
      const cells: string[] = [];
      for (let column = 0; column < 5; column++) {
        const value = Math.sin(row * 12.9898 + column * 78.233) * 43758.5453;
        cells.push(row % 2 === 0 ? value.toExponential(18) : value.toPrecision(9));
      }
      rows.push(cells.join(","));
    }
    await writeFile(path, `${rows.join("\r\n")}\r\n`);

    const csv = await readLibemgCsv(path);
    const reference = loadWithNumpy(path);

    expect(csv.nSamples).toBe(200);
    expect(csv.nChannels).toBe(5);
    expect(csv.samples).toEqual(reference.values);
  });

  it("reads values as float32 of the parsed number", async () => {
    const path = join(scratch, "R_0_C_0.csv");
    await writeFile(path, "\uFEFF0.1, -2.5e-3 ,7\n+1e2,.5,-0\nnan,inf,-Infinity\n\n");

    const csv = await readLibemgCsv(path);

    expect(csv.nSamples).toBe(3);
    expect(csv.nChannels).toBe(3);
    expect(Array.from(csv.samples.subarray(0, 6))).toEqual([
      Math.fround(0.1),
      Math.fround(-2.5e-3),
      7,
      100,
      0.5,
      -0,
    ]);
    expect(csv.samples[6]).toBeNaN();
    expect(csv.samples[7]).toBe(Number.POSITIVE_INFINITY);
    expect(csv.samples[8]).toBe(Number.NEGATIVE_INFINITY);
  });

  it.each([
    ["a non-numeric cell", "1,2\n3,x4\n", 2, /column 2 is "x4", not a number/],
    ["an empty cell", "1,2\n3,\n", 2, /column 2 is an empty cell, not a number/],
    ["a hexadecimal cell", "1,0x10\n", 1, /column 2 is "0x10", not a number/],
    ["a short row", "1,2,3\n4,5,6\n7,8\n", 3, /expected 3 values as on line 1, found 2/],
    ["a long row", "1,2\n3,4,5\n", 2, /expected 2 values as on line 1, found 3/],
    ["an empty line inside", "1,2\n\n3,4\n", 2, /empty line before the last row/],
  ])("rejects %s with file and line", async (_case, text, lineNumber, fault) => {
    const path = join(scratch, "R_0_C_0.csv");
    await writeFile(path, text);

    const error = await readLibemgCsv(path).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(CsvFormatError);
    expect((error as CsvFormatError).file).toBe(path);
    expect((error as CsvFormatError).lineNumber).toBe(lineNumber);
    expect((error as Error).message).toContain(`${path}: line ${lineNumber}: `);
    expect((error as Error).message).toMatch(fault);
  });

  it("rejects an empty file", async () => {
    const path = join(scratch, "R_0_C_0.csv");
    await writeFile(path, "\n\n");

    await expect(readLibemgCsv(path)).rejects.toThrow(`${path}: the file is empty`);
  });

  it("rejects a missing file", async () => {
    const path = join(scratch, "R_9_C_9.csv");

    await expect(readLibemgCsv(path)).rejects.toThrow(`CSV file not found: ${path}`);
  });

  it("rejects a folder", async () => {
    await expect(readLibemgCsv(scratch)).rejects.toThrow(`CSV path is a folder, not a file: ${scratch}`);
  });
});

describe("LibEMG names", () => {
  it("parses repetition and class from a file name", () => {
    expect(parseLibemgFileName("R_12_C_3.csv")).toEqual({ rep: 12, classIndex: 3 });
    expect(parseLibemgFileName("raw_emg.csv")).toBeUndefined();
    expect(parseLibemgFileName("R_1_C_3.csv.bak")).toBeUndefined();
  });

  it("compares digit runs by value", () => {
    const names = ["R_10_C_0", "R_2_C_0", "R_1_C_10", "R_1_C_9", "R_02_C_0"];

    expect([...names].sort(compareNatural)).toEqual(["R_1_C_9", "R_1_C_10", "R_2_C_0", "R_02_C_0", "R_10_C_0"]);
  });
});
