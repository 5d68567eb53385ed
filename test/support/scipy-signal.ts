import { spawnSync } from "node:child_process";

const PREAMBLE = `
import json, sys
import numpy as np
from scipy import signal
data = json.load(sys.stdin)
`;

const EPILOGUE = `
json.dump(result, sys.stdout)
`;

/**
 * Runs a Python snippet with numpy as `np` and `scipy.signal` as `signal`. The snippet reads
 * `data`, the JSON form of `input`, and must assign its output to `result`, which comes back
 * parsed from JSON. Numbers cross exactly: both sides write float64 values with enough digits.
 */
export function runScipy<T>(snippet: string, input: unknown): T {
  const completed = spawnSync("python3", ["-c", PREAMBLE + snippet + EPILOGUE], {
    input: JSON.stringify(input),
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
  });
  if (completed.status !== 0) {
    throw new Error(`python3 with scipy failed (exit ${completed.status}): ${completed.stderr}`);
  }
  return JSON.parse(completed.stdout) as T;
}

/** A deterministic generator of numbers in [0, 1), so a failing case can be replayed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    // xorshift32
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state / 4294967296;
  };
}
