import { stat } from "node:fs/promises";
import { evaluateOffline, type EvaluateResult } from "../ml/evaluate.js";
import { FEATURE_GROUP_NAMES, FEATURE_NAMES } from "../recipes/features/index.js";
import type { FeatureSpec } from "../ml/classifier.js";
import { CliError, parsePositive } from "./cli-error.js";

/** Options of `myogestic evaluate` as commander parses them. */
export interface EvaluateCliOptions {
  readonly windowMs: string;
  readonly stepMs: string;
  readonly features: string;
  readonly model: string;
  readonly train: string;
  readonly test: string;
  readonly sampleRateHz: string;
  readonly stream?: string;
  readonly json?: boolean;
}

/** Runs `myogestic evaluate` and prints the metrics. */
export async function runEvaluate(dir: string | undefined, options: EvaluateCliOptions, print: (line: string) => void): Promise<EvaluateResult> {
  if (dir !== undefined) {
    const found = await stat(dir).catch(() => undefined);
    if (found === undefined || !found.isDirectory()) {
      throw new CliError(`data set folder not found: ${dir}`);
    }
  }
  const model = options.model.toLowerCase();
  if (model !== "lda" && model !== "knn") {
    throw new CliError(`--model must be lda or knn, received "${options.model}"`);
  }
  const result = await evaluateOffline(dir, {
    windowMs: parsePositive("--window-ms", options.windowMs),
    stepMs: parsePositive("--step-ms", options.stepMs),
    features: parseFeatures(options.features),
    model,
    train: splitList("--train", options.train),
    test: splitList("--test", options.test),
    sampleRateHz: parsePositive("--sample-rate-hz", options.sampleRateHz),
    ...(options.stream === undefined ? {} : { stream: options.stream }),
  });
  print(options.json === true ? JSON.stringify(result, null, 2) : formatResult(result));
  return result;
}

function parseFeatures(text: string): FeatureSpec {
  const upper = text.toUpperCase();
  if ((FEATURE_GROUP_NAMES as readonly string[]).includes(upper)) {
    return upper as FeatureSpec;
  }
  const names = upper.split(",").map((name) => name.trim());
  for (const name of names) {
    if (!(FEATURE_NAMES as readonly string[]).includes(name)) {
      throw new CliError(
        `--features must be a group (${FEATURE_GROUP_NAMES.join(", ")}) or feature names separated by commas; "${name}" is neither`,
      );
    }
  }
  return names as unknown as FeatureSpec;
}

function splitList(option: string, text: string): string[] {
  const items = text.split(",").map((item) => item.trim()).filter((item) => item !== "");
  if (items.length === 0) {
    throw new CliError(`${option} needs at least one trial number or session path`);
  }
  return items;
}

function formatResult(result: EvaluateResult): string {
  const { metrics } = result;
  const pad = (text: string, width: number) => text.padStart(width);
  const lines = [
    `windows: ${result.nTrainWindows} train, ${result.nTestWindows} test`,
    `classification accuracy: ${metrics.classificationAccuracy.toFixed(4)}`,
    `instability: ${metrics.instability.toFixed(4)}`,
    `rejection rate: ${metrics.rejectionRate.toFixed(4)}`,
    `precision (weighted): ${metrics.precision.weighted.toFixed(4)}`,
    `recall (weighted): ${metrics.recall.weighted.toFixed(4)}`,
    `F1 (weighted): ${metrics.f1.weighted.toFixed(4)}`,
    "confusion matrix (rows true, columns predicted):",
  ];
  const width = Math.max(...result.classNames.map((name) => name.length));
  for (const [i, row] of metrics.confusionMatrix.counts.entries()) {
    const classIndex = metrics.confusionMatrix.classes[i] as number;
    const name = result.classNames[classIndex] ?? String(classIndex);
    lines.push(`  ${name.padEnd(width)} ${row.map((count) => pad(String(count), 6)).join("")}`);
  }
  return lines.join("\n");
}
