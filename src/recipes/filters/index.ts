export { type FilterType, butter } from "./butter.js";
export {
  BUTTERWORTH_DEFAULTS,
  type ButterworthOptions,
  NOTCH_DEFAULTS,
  type NotchOptions,
  bandpass,
  bandstop,
  cascade,
  highpass,
  lowpass,
  notch,
} from "./constructors.js";
export { iirnotch } from "./iirnotch.js";
export { type Section, sosfiltZi, validateSections } from "./sections.js";
export {
  type InitialState,
  SOS_FILTER_DEFAULTS,
  type SampleArray,
  SosFilter,
  type SosFilterOptions,
} from "./sos-filter.js";
