import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runPlayLsl } from "../src/cli/lsl-commands.js";
import { resolveStreams } from "../src/lsl/discovery.js";
import { LslInlet } from "../src/lsl/inlet.js";
import { loopbackConfig, waitUntil } from "./support/lsl.js";
import { writeLabRecorderXdf } from "./support/xdf-writer.js";

const CONFIG = loopbackConfig(17_260);
const N_SAMPLES = 60;
let folder = "";
let path = "";
/** Row `i` of the recording: channel `c` contains `i * 10 + c`. */
const rows = Array.from({ length: N_SAMPLES }, (_, index) => [index * 10, index * 10 + 1, index * 10 + 2]);

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), "myogestic-lsl-play-"));
  path = join(folder, "recording.xdf");
  const timestampsS = rows.map((_, index) => 500 + index / 100);
  const { bytes } = writeLabRecorderXdf([{ id: 1, name: "EMG", type: "EMG", channelFormat: "float32", channelCount: 3, nominalSrateHz: 100, timestampsS, values: rows }]);
  await writeFile(path, bytes);
});

afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

describe("play --lsl", () => {
  it("publishes an XDF stream, looping, with its rows in order", async () => {
    const controller = new AbortController();
    const lines: string[] = [];
    const playing = runPlayLsl(path, { lsl: "XdfPlay", loop: true, speed: 4, type: "EMG", config: CONFIG }, (line) => lines.push(line), controller.signal);
    try {
      const [info] = await resolveStreams({ name: "XdfPlay", config: CONFIG, timeoutMs: 5000 });
      expect(info?.nominalSrateHz).toBe(100);
      expect(info?.channelCount).toBe(3);
      const inlet = await LslInlet.open(info as NonNullable<typeof info>);
      const values: number[] = [];
      inlet.on("chunk", (chunk) => values.push(...chunk.values.subarray(0, chunk.count * 3)));
      await waitUntil(() => values.length >= 3 * (N_SAMPLES + 10), "more than one pass of the file", 20_000);
      inlet.close();
      // From wherever it joined, the inlet receives the file's rows in order, starting over after the last.
      const first = (values[0] ?? 0) / 10;
      for (let sample = 0; sample < values.length / 3; sample++) {
        expect(values.slice(sample * 3, sample * 3 + 3)).toEqual(rows[(first + sample) % N_SAMPLES]);
      }
    } finally {
      controller.abort();
      await playing;
    }
    expect(lines[0]).toMatch(/LSL configuration: options; discovery reaches this machine only/);
    expect(lines[1]).toMatch(/Publishing .*recording\.xdf as LSL stream XdfPlay: 3 channels at 100 Hz, looping/);
    expect(lines.at(-1)).toMatch(/Published \d+ samples/);
  });
});
