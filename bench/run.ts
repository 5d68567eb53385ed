import { spawnSync } from "node:child_process";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { cpus } from "node:os";
import { dirname, resolve } from "node:path";
import { benchIngestRecord } from "./ingest-record.js";
import { benchPanelFps } from "./panel-fps.js";
import { benchLsl } from "./lsl.js";
import { benchExtractPredict, benchPredictLoop, benchTrainingStall } from "./predict.js";
import type { BenchFigure } from "./figure.js";

/**
 * The benchmark command: measures each figure, prints it with its target, and writes all of
 * them to a JSON file (default `bench/results/bench.json`). `--quick` runs short versions for CI;
 * the process fails only when a benchmark itself breaks, not when a target is missed.
 *
 * The app-side figures run in a child process pinned to one CPU core with `taskset` when that
 * command exists. The panel figure runs in this process afterwards, unpinned, because the
 * browser it drives stands for another program on the machine, not for the app's core.
 */
const args = process.argv.slice(2);
const quick = args.includes("--quick");
const outIndex = args.indexOf("--out");
const outPath = resolve(outIndex >= 0 ? (args[outIndex + 1] ?? "") : "bench/results/bench.json");
const role = process.env.MYOGESTIC_BENCH_ROLE;

async function appFigures(): Promise<BenchFigure[]> {
  const figures: BenchFigure[] = [];
  figures.push(await benchIngestRecord(quick ? 5 : 60));
  figures.push(await benchExtractPredict());
  figures.push(...(await benchPredictLoop(50, quick ? 3 : 20)));
  figures.push(...(await benchPredictLoop(1000, quick ? 3 : 20)));
  figures.push(await benchTrainingStall(quick ? 1000 : 5000));
  return figures;
}

if (role === "pinned") {
  const figures = await appFigures();
  await writeFile(outPath, JSON.stringify(figures));
  process.exit(0);
}

let figures: BenchFigure[];
let pinnedToOneCore = false;
const childOut = `${outPath}.app-figures.json`;
await mkdir(dirname(outPath), { recursive: true });
const pinned = spawnSync("taskset", ["-c", "0", process.execPath, ...process.execArgv, process.argv[1] ?? "", ...args.filter((arg, i) => arg !== "--out" && args[i - 1] !== "--out"), "--out", childOut], {
  stdio: "inherit",
  env: { ...process.env, MYOGESTIC_BENCH_ROLE: "pinned" },
});
if (pinned.error === undefined && pinned.status === 0) {
  figures = JSON.parse(await readFile(childOut, "utf8")) as BenchFigure[];
  pinnedToOneCore = true;
} else if (pinned.error !== undefined) {
  process.stderr.write(`taskset is not available (${pinned.error.message}); running on all cores\n`);
  figures = await appFigures();
} else {
  throw new Error(`the pinned benchmark process failed with status ${pinned.status}`);
}
const panelFigure = await benchPanelFps(quick ? 3 : 10);
if (panelFigure !== undefined) {
  figures.push(panelFigure);
}
figures.push(...(await benchLsl(quick ? 3 : 10)));

for (const figure of figures) {
  const verdict = figure.met ? "met" : "NOT met";
  console.log(`${figure.name}: ${figure.value.toFixed(2)} ${figure.unit} (target ${figure.comparison} ${figure.target}, ${verdict})`);
}
const report = {
  createdAt: new Date().toISOString(),
  quick,
  node: process.version,
  cpu: cpus()[0]?.model ?? "unknown",
  appFiguresPinnedToOneCore: pinnedToOneCore,
  figures,
};
await writeFile(outPath, `${JSON.stringify(report, null, 2)}\n`);
console.log(`wrote ${outPath}`);
