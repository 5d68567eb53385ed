import { validateWindow, type Window } from "../window.js";
import { arKernel, validateArOrder } from "./ar.js";
import { sscKernel, wampKernel, zcKernel } from "./counts.js";
import { htdKernel } from "./htd-kernel.js";
import type { FeatureKernel } from "./kernel.js";
import {
  resolveFeatureOptions,
  type FeatureOptions,
  type ResolvedFeatureOptions,
} from "./options.js";
import { mdfKernel, mnfKernel, mnpKernel } from "./spectral.js";
import {
  irfKernel,
  m0Kernel,
  m2Kernel,
  m4Kernel,
  sparsiKernel,
  tdpsdGroupKernel,
  wlfKernel,
} from "./tdpsd.js";
import {
  dasdvKernel,
  iavKernel,
  ldKernel,
  lsKernel,
  mavKernel,
  mflKernel,
  msrKernel,
  rmsKernel,
  varKernel,
  wlKernel,
} from "./time-domain.js";

/** Every feature name, spelled as LibEMG spells it. */
export const FEATURE_NAMES = [
  "MAV",
  "ZC",
  "SSC",
  "WL",
  "LS",
  "MFL",
  "MSR",
  "WAMP",
  "RMS",
  "IAV",
  "DASDV",
  "VAR",
  "M0",
  "M2",
  "M4",
  "SPARSI",
  "IRF",
  "WLF",
  "AR",
  "LD",
  "MDF",
  "MNF",
  "MNP",
] as const;

/** A feature name, spelled as LibEMG spells it. */
export type FeatureName = (typeof FEATURE_NAMES)[number];

/** Every feature group name. */
export const FEATURE_GROUP_NAMES = ["HTD", "LS4", "LS9", "TDPSD", "TDAR"] as const;

/** A feature group name. */
export type FeatureGroup = (typeof FEATURE_GROUP_NAMES)[number];

/**
 * The features of each group, in LibEMG's order: HTD is Hudgins' time-domain set, LS4 and LS9
 * the low-sampling-rate sets, TDPSD the time-domain power spectral descriptors, and TDAR HTD with
 * AR coefficients.
 */
export const FEATURE_GROUPS: Readonly<Record<FeatureGroup, readonly FeatureName[]>> =
  Object.freeze({
    HTD: Object.freeze(["MAV", "ZC", "SSC", "WL"] as const),
    LS4: Object.freeze(["LS", "MFL", "MSR", "WAMP"] as const),
    LS9: Object.freeze(["LS", "MFL", "MSR", "WAMP", "ZC", "RMS", "IAV", "DASDV", "VAR"] as const),
    TDPSD: Object.freeze(["M0", "M2", "M4", "SPARSI", "IRF", "WLF"] as const),
    TDAR: Object.freeze(["MAV", "ZC", "SSC", "WL", "AR"] as const),
  });

const KERNELS: ReadonlyMap<string, FeatureKernel> = new Map<FeatureName, FeatureKernel>([
  ["MAV", mavKernel],
  ["ZC", zcKernel],
  ["SSC", sscKernel],
  ["WL", wlKernel],
  ["LS", lsKernel],
  ["MFL", mflKernel],
  ["MSR", msrKernel],
  ["WAMP", wampKernel],
  ["RMS", rmsKernel],
  ["IAV", iavKernel],
  ["DASDV", dasdvKernel],
  ["VAR", varKernel],
  ["M0", m0Kernel],
  ["M2", m2Kernel],
  ["M4", m4Kernel],
  ["SPARSI", sparsiKernel],
  ["IRF", irfKernel],
  ["WLF", wlfKernel],
  ["AR", arKernel],
  ["LD", ldKernel],
  ["MDF", mdfKernel],
  ["MNF", mnfKernel],
  ["MNP", mnpKernel],
]);

/** One kernel call of a plan and the features it writes. */
interface PlanStep {
  readonly kernel: FeatureKernel;
  readonly names: readonly FeatureName[];
}

/**
 * Runs of features that one kernel computes together, faster than one by one and with the same
 * values. A run is used wherever its names appear consecutively in a list.
 */
const FUSED_RUNS: readonly PlanStep[] = [
  { names: FEATURE_GROUPS.HTD, kernel: htdKernel },
  { names: FEATURE_GROUPS.TDPSD, kernel: tdpsdGroupKernel },
];

/** A validated list of features, ready to run on many windows. */
interface FeaturePlan {
  readonly names: readonly FeatureName[];
  readonly steps: readonly PlanStep[];
  readonly options: ResolvedFeatureOptions;
}

function startsRun(
  names: readonly FeatureName[],
  at: number,
  run: readonly FeatureName[],
): boolean {
  return run.every((name, i) => names[at + i] === name);
}

function planFeatures(names: readonly string[], options: FeatureOptions | undefined): FeaturePlan {
  const seen = new Set<string>();
  for (const name of names) {
    if (!KERNELS.has(name)) {
      throw new RangeError(
        `Unknown feature "${name}"; valid features: ${FEATURE_NAMES.join(", ")}`,
      );
    }
    if (seen.has(name)) {
      throw new RangeError(`Feature "${name}" is listed twice; list each feature once`);
    }
    seen.add(name);
  }

  const featureNames = names as readonly FeatureName[];
  const steps: PlanStep[] = [];
  let at = 0;
  while (at < featureNames.length) {
    const run = FUSED_RUNS.find((candidate) => startsRun(featureNames, at, candidate.names));
    if (run !== undefined) {
      steps.push(run);
      at += run.names.length;
    } else {
      const name = featureNames[at] as FeatureName;
      steps.push({ kernel: KERNELS.get(name) as FeatureKernel, names: [name] });
      at++;
    }
  }
  return { names: featureNames, steps, options: resolveFeatureOptions(options) };
}

function groupFeatures(group: string): readonly FeatureName[] {
  if (!Object.hasOwn(FEATURE_GROUPS, group)) {
    throw new RangeError(
      `Unknown feature group "${group}"; valid groups: ${FEATURE_GROUP_NAMES.join(", ")}`,
    );
  }
  return FEATURE_GROUPS[group as FeatureGroup];
}

// Plans of the groups with default options, built on first use. The live loop extracts the same
// group from every window, so it need not check names and options again each time.
const defaultGroupPlans = new Map<string, FeaturePlan>();

function groupPlan(group: string, options: FeatureOptions | undefined): FeaturePlan {
  if (options !== undefined) {
    return planFeatures(groupFeatures(group), options);
  }
  let plan = defaultGroupPlans.get(group);
  if (plan === undefined) {
    plan = planFeatures(groupFeatures(group), undefined);
    defaultGroupPlans.set(group, plan);
  }
  return plan;
}

/** Returns the number of values that feature `name` gives for `nChannels` channels. */
function featureWidth(
  name: FeatureName,
  nChannels: number,
  options: ResolvedFeatureOptions,
): number {
  return name === "AR" ? nChannels * options.arOrder : nChannels;
}

function runPlan(plan: FeaturePlan, window: Window): Float64Array {
  validateWindow(window);
  const { names, steps, options } = plan;
  const nChannels = window.nChannels;
  let width = 0;
  for (const name of names) {
    if (name === "AR") {
      validateArOrder(options.arOrder, window.nSamples);
    }
    width += featureWidth(name, nChannels, options);
  }

  const out = new Float64Array(width);
  let offset = 0;
  for (const step of steps) {
    step.kernel(window, options, out, offset);
    for (const name of step.names) {
      offset += featureWidth(name, nChannels, options);
    }
  }
  return out;
}

/**
 * Computes the named features of one window and stacks them feature-major, as LibEMG does: all
 * channels of the first feature, then all channels of the next (AR contributes `arOrder` values
 * per channel, channel-major). Throws a RangeError for an unknown or repeated name, listing the
 * valid names.
 */
export function extractFeatures(
  names: readonly FeatureName[],
  window: Window,
  options?: FeatureOptions,
): Float64Array {
  return runPlan(planFeatures(names, options), window);
}

/** Computes a feature group of one window, stacked as {@link extractFeatures} stacks it. */
export function extractGroup(
  group: FeatureGroup,
  window: Window,
  options?: FeatureOptions,
): Float64Array {
  return runPlan(groupPlan(group, options), window);
}

/** Computes the named features of each window: one row per window, as {@link extractFeatures}. */
export function extractFeatureRows(
  names: readonly FeatureName[],
  windows: Iterable<Window>,
  options?: FeatureOptions,
): Float64Array[] {
  const plan = planFeatures(names, options);
  const rows: Float64Array[] = [];
  for (const window of windows) {
    rows.push(runPlan(plan, window));
  }
  return rows;
}

/** Computes a feature group of each window: one row per window, as {@link extractGroup}. */
export function extractGroupRows(
  group: FeatureGroup,
  windows: Iterable<Window>,
  options?: FeatureOptions,
): Float64Array[] {
  const plan = groupPlan(group, options);
  const rows: Float64Array[] = [];
  for (const window of windows) {
    rows.push(runPlan(plan, window));
  }
  return rows;
}

/** Hudgins' time-domain features (MAV, ZC, SSC, WL) of one window, stacked feature-major. */
export function htd(window: Window, options?: FeatureOptions): Float64Array {
  return extractGroup("HTD", window, options);
}

/**
 * Returns the labels of the columns that {@link extractFeatures} gives, as LibEMG's reference
 * names them: "MAV[0]" is MAV of channel 0 and "AR[1].a2" is channel 1's second AR coefficient.
 */
export function featureColumnLabels(
  names: readonly FeatureName[],
  nChannels: number,
  options?: FeatureOptions,
): string[] {
  const { options: resolved } = planFeatures(names, options);
  if (!Number.isInteger(nChannels) || nChannels < 0) {
    throw new RangeError(`Invalid nChannels: expected a non-negative integer, got ${nChannels}`);
  }
  const labels: string[] = [];
  for (const name of names) {
    for (let c = 0; c < nChannels; c++) {
      if (name === "AR") {
        for (let j = 1; j <= resolved.arOrder; j++) {
          labels.push(`AR[${c}].a${j}`);
        }
      } else {
        labels.push(`${name}[${c}]`);
      }
    }
  }
  return labels;
}

/** Returns the labels of the columns that {@link extractGroup} gives. */
export function groupColumnLabels(
  group: FeatureGroup,
  nChannels: number,
  options?: FeatureOptions,
): string[] {
  return featureColumnLabels(groupFeatures(group), nChannels, options);
}
