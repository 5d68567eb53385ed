export { hasNonFinite, validateWindow, type Window } from "../window.js";
export { ar } from "./ar.js";
export { ssc, wamp, zc } from "./counts.js";
export { FEATURE_DEFAULTS, type FeatureOptions } from "./options.js";
export {
  extractFeatureRows,
  extractFeatures,
  extractGroup,
  extractGroupRows,
  FEATURE_GROUP_NAMES,
  FEATURE_GROUPS,
  FEATURE_NAMES,
  featureColumnLabels,
  groupColumnLabels,
  htd,
  type FeatureGroup,
  type FeatureName,
} from "./registry.js";
export { mdf, mnf, mnp } from "./spectral.js";
export { irf, m0, m2, m4, sparsi, wlf } from "./tdpsd.js";
export { dasdv, iav, ld, ls, mav, mfl, msr, rms, variance, wl } from "./time-domain.js";
