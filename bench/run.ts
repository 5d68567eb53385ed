import { spawnSync } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import { cpus } from "node:os";
import { dirname, resolve } from "node:path";
import { benchIngestRecord } from "./ingest-record.js";
import { benchPanelFps } from "./panel-fps.js";
import { benchExtractPredict, benchPredictLoop, benchTrainingStall } from "./predict.js";
import type { BenchFigure } from "./figure.js";

/**
 * The benchmark command: measures each figure, prints it with its target, and writes all of
 * them to a JSON file (default `bench/results/bench.json`). `--quick` runs short versions for CI;
 * the process fails only when a benchmark itself breaks, not when a target is missed.
 * It re-runs itself pinned to one CPU core with `taskset` when that command exists.
 */
const args = process.argv.slice(2);
const quick = args.includes("--quick");
const outIndex = args.indexOf("--out");
const outPath = resolve(outIndex >= 0 ? (args[outIndex + 1] ?? "") : "bench/results/bench.json");

if (process.env.MYOGESTIC_BENCH_PINNED !== "1") {
  const pinned = spawnSync("taskset", ["-c", "0", process.execPath, ...process.execArgv, ...process.argv.slice(1)], {
    stdio: "inherit",
    env: { ...process.env, MYOGESTIC_BENCH_PINNED: "1" },
  });
  if (pinned.error === undefined) {
    process.exit(pinned.status ?? 1);
  }
  process.stderr.write(`taskset is not available (${pinned.error.message}); running on all cores\n`);
}

const figures: BenchFigure[] = [];
figures.push(await benchIngestRecord(quick ? 5 : 60));
figures.push(await benchExtractPredict());
figures.push(...(await benchPredictLoop(50, quick ? 3 : 20)));
figures.push(...(await benchPredictLoop(1000, quick ? 3 : 20)));
figures.push(await benchTrainingStall(quick ? 1000 : 5000));
const panelFigure = await benchPanelFps(quick ? 3 : 10);
if (panelFigure !== undefined) {
  figures.push(panelFigure);
}

for (const figure of figures) {
  const verdict = figure.met ? "met" : "NOT met";
  console.log(`${figure.name}: ${figure.value.toFixed(2)} ${figure.unit} (target ${figure.comparison} ${figure.target}, ${verdict})`);
}
const report = {
  createdAt: new Date().toISOString(),
  quick,
  node: process.version,
  cpu: cpus()[0]?.model ?? "unknown",
  pinnedToOneCore: process.env.MYOGESTIC_BENCH_PINNED === "1",
  figures,
};
await mkdir(dirname(outPath), { recursive: true });
await writeFile(outPath, `${JSON.stringify(report, null, 2)}\n`);
console.log(`wrote ${outPath}`);
