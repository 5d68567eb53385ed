import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openSession } from "../src/session/reader.js";
import { runTsChild } from "./support/child.js";

const folders: string[] = [];
afterEach(async () => {
  for (const folder of folders.splice(0)) {
    await rm(folder, { recursive: true, force: true });
  }
});

describe("App shutdown on signals", () => {
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    it(`finalises the recording on ${signal}`, async () => {
      const folder = await mkdtemp(join(tmpdir(), "myogestic-signal-"));
      folders.push(folder);
      const run = runTsChild("fixtures/record-until-signal.ts", [folder]);
      await run.waitForLine(/^recording /);
      await run.waitForLine(/^pushed [1-9]\d{2,}/);
      run.child.kill(signal);
      const code = await run.exited;
      expect(code).toBe(signal === "SIGTERM" ? 143 : 130);
      const accepted = Number(run.lines.find((line) => line.startsWith("accepted "))?.split(" ")[1]);
      expect(accepted).toBeGreaterThan(0);
      const entries = await readdir(folder);
      const archives = entries.filter((name) => name.endsWith(".session.zip"));
      expect(archives).toHaveLength(1);
      expect(entries.filter((name) => !name.endsWith(".session.zip"))).toEqual([]);
      const session = await openSession(join(folder, archives[0] as string));
      const recorded = await session.readStream("emg");
      const first = recorded.samples[0] as number;
      expect(recorded.nSamples).toBe(accepted - first);
      for (let i = 0; i < recorded.nSamples; i++) {
        if (recorded.samples[i * 4] !== first + i) {
          throw new Error(`sample ${i} is ${recorded.samples[i * 4]}; samples are lost or reordered`);
        }
      }
    });
  }
});
