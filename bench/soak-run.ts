/**
 * `npm run soak`: runs the soak (an hour of signal by default) and writes its figures to
 * `bench/results/soak.json`. Options: `--signal-s <s>`, `--speed <factor>`, `--out <file>`.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { runSoak, soakFigures } from "./soak.js";

const args = process.argv.slice(2);
const option = (name: string, fallback: string) => {
  const index = args.indexOf(name);
  return index >= 0 ? (args[index + 1] ?? fallback) : fallback;
};
const signalS = Number(option("--signal-s", "3600"));
const speed = Number(option("--speed", "2"));
const outPath = resolve(option("--out", "bench/results/soak.json"));
const report = await runSoak({ signalS, speed, phaseS: Number(option("--phase-s", "60")), channels: 64, sampleRateHz: 2000, print: console.log });
const figures = soakFigures(report, speed);
for (const figure of figures) {
  console.log(`${figure.name}: ${figure.value.toFixed(2)} ${figure.unit} (target ${figure.comparison} ${figure.target}, ${figure.met ? "met" : "NOT met"})`);
}
await mkdir(dirname(outPath), { recursive: true });
await writeFile(outPath, `${JSON.stringify({ createdAt: new Date().toISOString(), node: process.version, report, figures }, null, 2)}\n`);
console.log(`wrote ${outPath}`);
process.exit(figures.every((figure) => figure.met) ? 0 : 1);
