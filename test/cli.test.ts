import { execFileSync } from "node:child_process";
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openSession } from "../src/session/reader.js";
import { runCli, SHARED_DATA } from "./support/cli.js";

const MYO = join(SHARED_DATA, "one-subject-myo");
const PYTHON_SESSION = join(SHARED_DATA, "myogestic-sessions", "vhi_pose_rest.session.zip");

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "myogestic-cli-"));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

function parseCsv(text: string): number[][] {
  return text
    .trim()
    .split(/\r?\n/)
    .map((line) => line.split(",").map(Number));
}

describe("myogestic inspect", () => {
  it("prints a Python session's streams, shapes, rates and labels", async () => {
    const result = await runCli(["inspect", PYTHON_SESSION]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/Session vhi_pose_rest \(Python layout\)/);
    expect(result.stdout).toMatch(/vhi_control: 169 samples × 9 channels, float32, 60 Hz nominal/);
    expect(result.stdout).toMatch(/classes\s+0 Rest, 1 Fist/);
    expect(result.stdout).toMatch(/labels\s+1 \(times in s from the first sample, at 84121\.294 s/);
    expect(result.stdout).toMatch(/Rest: -0\.006 s to 2\.810 s/);
  });

  it("prints JSON with --json", async () => {
    const result = await runCli(["inspect", PYTHON_SESSION, "--json"]);
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout);
    expect(summary.streams[0]).toMatchObject({ name: "vhi_control", nSamples: 169, nChannels: 9, sampleRateHz: 60 });
    expect(summary.labels).toEqual([{ timestampS: 84121.288508666, classIndex: 0, className: "Rest" }]);
    expect(summary.schemaVersion).toBeNull();
  });

  it("fails with one line naming a missing session", async () => {
    const missing = join(work, "nope.session.zip");
    const result = await runCli(["inspect", missing]);
    expect(result.code).not.toBe(0);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(result.stderr).toContain(missing);
  });
});

describe("myogestic import libemg", () => {
  it("imports the one-subject data set with samples equal to the CSV values", async () => {
    const out = join(work, "imported");
    const result = await runCli(["import", "libemg", MYO, "--sample-rate-hz", "200", "--out", out], { timeoutMs: 120_000 });
    expect(result.stderr).not.toMatch(/myogestic:/);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/Imported 60 sessions/);
    const archives = (await readdir(out)).filter((name) => name.endsWith(".session.zip")).sort();
    expect(archives).toHaveLength(60);
    for (const archive of archives) {
      const match = /^(trial_\d)_R_(\d+)_C_(\d+)\.session\.zip$/.exec(archive);
      expect(match, archive).not.toBeNull();
      const [, trial, rep, classIndex] = match as RegExpExecArray;
      const rows = parseCsv(await readFile(join(MYO, trial as string, `R_${rep}_C_${classIndex}.csv`), "utf8"));
      const session = await openSession(join(out, archive));
      expect(session.classNames).toEqual(["Hand_Close", "Hand_Open", "No_Motion", "Wrist_Extension", "Wrist_Flexion"]);
      expect(session.labels).toEqual([{ timestampS: 0, classIndex: Number(classIndex) }]);
      const recorded = await session.readStream("emg");
      expect(recorded.nSamples).toBe(rows.length);
      expect(recorded.nChannels).toBe(8);
      expect(recorded.info.sampleRateHz).toBe(200);
      const expected = Float32Array.from(rows.flat());
      expect(Buffer.from(recorded.samples.buffer).equals(Buffer.from(expected.buffer)), archive).toBe(true);
      expect(recorded.timestamps[1]).toBeCloseTo(1 / 200, 15);
    }
  });

  it("fails naming the file and line of a malformed row", async () => {
    const copy = join(work, "broken-set");
    await cp(join(MYO, "trial_1"), copy, { recursive: true });
    const victim = join(copy, "R_0_C_1.csv");
    const lines = (await readFile(victim, "utf8")).split("\n");
    lines[4] = "1,2,x,4,5,6,7,8";
    await writeFile(victim, lines.join("\n"));
    const result = await runCli(["import", "libemg", copy, "--sample-rate-hz", "200", "--out", join(work, "broken-out")]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("R_0_C_1.csv");
    expect(result.stderr).toMatch(/line 5/);
    expect(result.stderr).toMatch(/the 1 sessions imported before it were removed/);
    expect((await readdir(join(work, "broken-out"))).filter((name) => name.endsWith(".session.zip"))).toEqual([]);
  });

  it("fails on a missing folder and on a bad sample rate", async () => {
    const missing = await runCli(["import", "libemg", join(work, "absent"), "--sample-rate-hz", "200", "--out", work]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/data set folder not found: .*absent/);
    const file = await runCli(["import", "libemg", join(MYO, "trial_1", "R_0_C_0.csv"), "--sample-rate-hz", "200", "--out", work]);
    expect(file.code).toBe(1);
    expect(file.stderr).toMatch(/R_0_C_0\.csv is a file, not a folder/);
    const badRate = await runCli(["import", "libemg", MYO, "--sample-rate-hz", "fast", "--out", work]);
    expect(badRate.code).toBe(1);
    expect(badRate.stderr).toMatch(/--sample-rate-hz must be a number above 0, received "fast"/);
  });
});

describe("myogestic import libemg refusals", () => {
  it("fails on a folder with no data files", async () => {
    const empty = join(work, "empty-set");
    await cp(join(MYO, "trial_1", "metadata.json"), join(empty, "metadata.json"), { recursive: true });
    const result = await runCli(["import", "libemg", empty, "--sample-rate-hz", "200", "--out", join(work, "empty-out")]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/no R_<rep>_C_<class>\.csv files found in .*empty-set/);
  });

  it("refuses to import over existing sessions", async () => {
    const out = join(work, "twice");
    const first = await runCli(["import", "libemg", join(MYO, "trial_2"), "--sample-rate-hz", "200", "--out", out]);
    expect(first.code).toBe(0);
    const second = await runCli(["import", "libemg", join(MYO, "trial_2"), "--sample-rate-hz", "200", "--out", out]);
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(/R_0_C_0\.session\.zip already exists; import into an empty --out folder or remove it/);
    expect((await readdir(out)).length).toBe(10);
  });
});

describe("myogestic demo", () => {
  it("records, trains and predicts live on the synthetic stream", async () => {
    const out = join(work, "demo");
    const result = await runCli(["demo", "--trial-s", "0.8", "--seed", "0", "--out", out], { timeoutMs: 60_000 });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const archives = (await readdir(out)).filter((name) => name.endsWith(".session.zip"));
    expect(archives).toHaveLength(1);
    const session = await openSession(join(out, archives[0] as string));
    expect(session.trials().map((trial) => trial.className)).toEqual(["Rest", "Fist", "Open", "Pinch", "Rest", "Fist", "Open", "Pinch"]);
    expect(result.stdout).toMatch(/held-out accuracy \d+\.\d % on \d+ windows/);
    expect(result.stdout).toMatch(/predicted Fist\s+cue Fist/);
    const single = Number(/one-class windows (\d\.\d+) over (\d+) ticks/.exec(result.stdout)?.[1]);
    expect(single).toBeGreaterThan(0.9);
    const rate = Number(/predict rate\s+(\d+\.\d+) Hz/.exec(result.stdout)?.[1]);
    expect(rate).toBeGreaterThan(45);
    expect(rate).toBeLessThan(55);
    expect(result.stdout).toMatch(/tick lateness\s+p50 \d+\.\d+ ms, p99 \d+\.\d+ ms/);
  });

  it("replays the one-subject set and predicts it live with the required accuracy", async () => {
    const out = join(work, "demo-data");
    const result = await runCli(["demo", "--data", MYO, "--speed", "10", "--out", out], { timeoutMs: 90_000 });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const match = /live accuracy\s+(\d\.\d+) over (\d+) ticks/.exec(result.stdout);
    const single = /one-class windows (\d\.\d+) over (\d+) ticks/.exec(result.stdout);
    expect(Number(match?.[1])).toBeGreaterThanOrEqual(0.95);
    expect(Number(match?.[2])).toBeGreaterThan(300);
    expect(Number(single?.[1])).toBeGreaterThanOrEqual(0.98);
    const session = await openSession(join(out, (await readdir(out))[0] as string));
    expect(session.trials()).toHaveLength(30);
  }, 120_000);
});

describe("independent CSV check", () => {
  it("numpy reads the same values the test parser reads", () => {
    const file = join(MYO, "trial_4", "R_1_C_3.csv");
    const total = Number(
      execFileSync("python3", ["-c", `import numpy as np; print(float(np.loadtxt(${JSON.stringify(file)}, delimiter=',', dtype=np.float32).sum()))`], {
        encoding: "utf8",
      }).trim(),
    );
    return readFile(file, "utf8").then((text) => {
      const sum = parseCsv(text)
        .flat()
        .reduce((a, b) => a + b, 0);
      expect(sum).toBe(total);
    });
  });
});
