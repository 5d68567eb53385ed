import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openSession } from "../src/session/reader.js";
import { BIN_PATH, runCli, SHARED_DATA } from "./support/cli.js";
import { loopbackConfigFile } from "./support/lsl.js";

const RAW_EMG = join(SHARED_DATA, "one-subject-myo/stream/raw_emg.csv");
let folder = "";
let env: NodeJS.ProcessEnv = {};
let player: ChildProcess | undefined;
let playerOutput = "";

/** Starts `myogestic play` on the raw Myo stream, looping, and resolves once it publishes. */
function startPlayer(name: string): Promise<void> {
  const child = spawn(process.execPath, [BIN_PATH, "play", RAW_EMG, "--lsl", name, "--sample-rate-hz", "200", "--loop"], {
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  player = child;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`play did not start within 15 s: ${playerOutput}`)), 15_000);
    const read = (text: string) => {
      playerOutput += text;
      if (playerOutput.includes("Publishing")) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.setEncoding("utf8").on("data", read);
    child.stderr?.setEncoding("utf8").on("data", read);
    child.on("exit", (code) => reject(new Error(`play exited with ${code}: ${playerOutput}`)));
  });
}

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), "myogestic-lsl-cli-"));
  const configPath = join(folder, "lsl_api.cfg");
  await writeFile(configPath, loopbackConfigFile(17_200));
  env = { ...process.env, LSLAPICFG: configPath };
  await startPlayer("MyoPlay");
});

afterAll(async () => {
  if (player !== undefined && player.exitCode === null) {
    const exited = new Promise((resolve) => player?.once("exit", resolve));
    player.kill("SIGINT");
    await exited;
  }
  await rm(folder, { recursive: true, force: true });
});

describe("LSL commands", () => {
  it("records a played stream into a session with the file's rows", async () => {
    const out = join(folder, "recorded");
    const result = await runCli(["record", "--lsl", "MyoPlay", "--duration-s", "1.5", "--out", out], { env, timeoutMs: 30_000 });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/LSL configuration: .*lsl_api\.cfg; discovery reaches this machine only/);
    expect(result.stdout).toMatch(/Recording MyoPlay: 8 float32 channels at 200 Hz for 1.5 s/);
    const archive = /Saved (\d+) samples of stream MyoPlay to (.+)$/m.exec(result.stdout);
    expect(Number(archive?.[1])).toBeGreaterThan(250);

    const recorded = await (await openSession(archive?.[2] ?? "")).readStream("MyoPlay");
    // The count printed is the session's own.
    expect(recorded.nSamples).toBe(Number(archive?.[1]));
    expect(recorded.nChannels).toBe(8);
    const rows = (await readFile(RAW_EMG, "utf8")).trim().split("\n").map((line) => line.split(",").map(Number));
    // The recording starts somewhere in the looping file; from there it follows the file row by row.
    const firstRow = [...recorded.samples.subarray(0, 8)];
    const start = rows.findIndex((row) => row.every((value, channel) => value === firstRow[channel]));
    expect(start).toBeGreaterThanOrEqual(0);
    for (let sample = 0; sample < recorded.nSamples; sample++) {
      const row = rows[(start + sample) % rows.length] as number[];
      expect([...recorded.samples.subarray(sample * 8, sample * 8 + 8)]).toEqual(row);
    }
    // Timestamps are spaced by the rate: 200 Hz on this machine's clock.
    const spanS = (recorded.timestamps.at(-1) ?? 0) - (recorded.timestamps[0] ?? 0);
    expect(spanS / (recorded.nSamples - 1)).toBeCloseTo(1 / 200, 3);
  });

  it("runs the main job on a live LSL stream", async () => {
    const out = join(folder, "demo");
    const result = await runCli(["demo", "--lsl", "MyoPlay", "--trial-s", "0.5", "--repetitions", "1", "--out", out], { env, timeoutMs: 60_000 });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/from LSL stream MyoPlay \(8 channels at 200 Hz\)/);
    expect(result.stdout).toMatch(/Cue: Fist/);
    expect(result.stdout).toMatch(/Saved .*\.session\.zip/);
    expect(result.stdout).toMatch(/Predicting live at 50 Hz/);
  });

  it("says so when no stream has the name", async () => {
    const result = await runCli(["record", "--lsl", "Nobody", "--duration-s", "1", "--out", join(folder, "none"), "--resolve-timeout-s", "0.5"], { env });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/no LSL stream matching LSL stream Nobody responded within 500 ms/);
    expect(result.stderr).toMatch(/Streams that answered: MyoPlay \(EMG, 8 float32 channels, 200 Hz, source id myogestic-play-MyoPlay/);
  });

  it("lists the streams that answer", async () => {
    const result = await runCli(["streams", "--timeout-s", "0.5"], { env });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^MyoPlay \(EMG, 8 float32 channels, 200 Hz/m);
  });

  it("warns about a key no setting has", async () => {
    const typo = join(folder, "typo.cfg");
    await writeFile(typo, `${await readFile(env.LSLAPICFG ?? "", "utf8")}\n[multicast2]\nResolvScope = machine\n`);
    const result = await runCli(["streams", "--timeout-s", "0.2"], { env: { ...env, LSLAPICFG: typo } });
    expect(result.stderr).toMatch(/the LSL configuration sets multicast2.ResolvScope, which no LSL setting has/);
  });

  it("refuses an LSL configuration file that liblsl would ignore", async () => {
    const badPath = join(folder, "bad.cfg");
    await writeFile(badPath, "[lab]\nKnownPeers =\n");
    const result = await runCli(["record", "--lsl", "MyoPlay", "--duration-s", "1", "--out", join(folder, "bad")], { env: { ...env, LSLAPICFG: badPath } });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/bad\.cfg/);
  });
});
