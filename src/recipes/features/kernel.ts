import { validateWindow, type Window } from "../window.js";
import {
  resolveFeatureOptions,
  type FeatureOptions,
  type ResolvedFeatureOptions,
} from "./options.js";

/**
 * Computes one feature of a validated window into `out`, starting at `offset`: one value per
 * channel in channel order, or for AR `arOrder` values per channel, channel-major.
 */
export type FeatureKernel = (
  window: Window,
  options: ResolvedFeatureOptions,
  out: Float64Array,
  offset: number,
) => void;

/** Validates the window and options, then returns the kernel's `nChannels` values. */
export function computeFeature(
  kernel: FeatureKernel,
  window: Window,
  options?: FeatureOptions,
): Float64Array {
  validateWindow(window);
  const resolved = resolveFeatureOptions(options);
  const out = new Float64Array(window.nChannels);
  kernel(window, resolved, out, 0);
  return out;
}
