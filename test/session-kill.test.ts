import { spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, expect, it } from "vitest";
import { openSession } from "../src/session/reader.js";
import { makeTempFolder, withTimeout } from "./session-helpers.js";

const FIXTURE = fileURLToPath(new URL("./fixtures/session-writer-append.ts", import.meta.url));
const REPOSITORY = fileURLToPath(new URL("..", import.meta.url));
const N_CHANNELS = 16;
const SAMPLE_RATE_HZ = 1000;

let root: Awaited<ReturnType<typeof makeTempFolder>>;

beforeEach(async () => {
  root = await makeTempFolder();
});

afterEach(async () => {
  await root.remove();
});

it("loses at most a second on SIGKILL", async () => {
  const child = spawn(process.execPath, ["--import", "tsx", FIXTURE, root.path], {
    cwd: REPOSITORY,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (data: Buffer) => {
    stderr += data.toString();
  });
  const exited = once(child, "exit");

  let folder: string | undefined;
  let lastReported = 0;
  const lines = createInterface({ input: child.stdout });
  const running = new Promise<void>((resolve) => {
    lines.on("line", (line) => {
      if (line.startsWith("folder ")) {
        folder = line.slice("folder ".length);
      } else if (line.startsWith("appended ")) {
        lastReported = Number(line.slice("appended ".length));
        if (lastReported >= 2.5 * SAMPLE_RATE_HZ) {
          resolve();
        }
      }
    });
  });
  try {
    await withTimeout(running, 20_000, `2.5 s of appended data from the child (stderr: ${stderr})`);
  } finally {
    child.kill("SIGKILL");
  }
  const [, signal] = await withTimeout(exited, 5000, "the child to exit");
  expect(signal).toBe("SIGKILL");
  expect(stderr).toBe("");
  expect(folder).toBeDefined();

  const session = await openSession(folder as string);
  expect(session.warnings).toEqual([]);
  expect(session.labels).toEqual([{ timestampS: 0, classIndex: 1 }]);
  const emg = await session.readStream("emg");
  expect(emg.nSamples).toBeGreaterThanOrEqual(lastReported - SAMPLE_RATE_HZ);
  for (let s = 0; s < emg.nSamples; s++) {
    if (emg.timestamps[s] !== s / SAMPLE_RATE_HZ) {
      expect.fail(`sample ${s} has timestamp ${emg.timestamps[s]}, expected ${s / SAMPLE_RATE_HZ}`);
    }
    for (let c = 0; c < N_CHANNELS; c++) {
      if (emg.samples[s * N_CHANNELS + c] !== s * N_CHANNELS + c) {
        expect.fail(
          `sample ${s} channel ${c} is ${emg.samples[s * N_CHANNELS + c]}, expected ${s * N_CHANNELS + c}`,
        );
      }
    }
  }
});
