import {
  type Complex,
  add,
  complex,
  divide,
  multiply,
  product,
  squareRoot,
  subtract,
} from "./complex.js";
import type { Section } from "./sections.js";
import { zpkToSos } from "./zpk-to-sos.js";

/** The response types of {@link butter}, with scipy's names. */
export type FilterType = "lowpass" | "highpass" | "bandpass" | "bandstop";

const FILTER_TYPES: readonly FilterType[] = ["lowpass", "highpass", "bandpass", "bandstop"];

/** Zeros, poles and gain of a filter, analog or digital. */
interface Zpk {
  readonly zeros: readonly Complex[];
  readonly poles: readonly Complex[];
  readonly gain: number;
}

/**
 * Designs a digital Butterworth filter as second-order sections, equal to
 * `scipy.signal.butter(order, cutoff, type, fs=sampleRateHz, output="sos")` (scipy 1.17): the
 * same sections in the same order, within floating-point rounding. The one exception is a
 * band centred on a quarter of the sample rate, where poles tie and the order of the tied
 * sections may differ from scipy's. A band-pass or band-stop filter of order N has 2N poles,
 * as in scipy.
 *
 * @param order - Filter order, an integer of at least 1.
 * @param cutoffHz - The -3 dB frequency in Hz for `lowpass` and `highpass`; `[lowHz, highHz]`
 *   for `bandpass` and `bandstop`. Each must be above 0 and below `sampleRateHz / 2`.
 * @param type - The response type.
 * @param sampleRateHz - Sample rate of the signal to filter, in Hz.
 * @returns The sections `[b0, b1, b2, 1, a1, a2]`, first to last; the gain is in the first.
 */
export function butter(
  order: number,
  cutoffHz: number | readonly [number, number],
  type: FilterType,
  sampleRateHz: number,
): Section[] {
  if (!Number.isFinite(sampleRateHz) || sampleRateHz <= 0) {
    throw new RangeError(`sampleRateHz must be a finite number above 0, received ${sampleRateHz}`);
  }
  if (!Number.isInteger(order) || order < 1) {
    throw new RangeError(`order must be an integer of at least 1, received ${order}`);
  }
  if (!FILTER_TYPES.includes(type)) {
    throw new RangeError(
      `type must be one of ${FILTER_TYPES.join(", ")}, received ${String(type)}`,
    );
  }
  const cutoffs = validateCutoffs(cutoffHz, type, sampleRateHz);

  // Pre-warp the cutoffs for the bilinear transform with a sample rate of 2, as scipy does:
  // the warped frequency is 4·tan(π·Wn / 2) for Wn = cutoff / Nyquist.
  const warped = cutoffs.map((hz) => 4 * Math.tan((Math.PI * (hz / (sampleRateHz / 2))) / 2));
  const prototype = butterworthPrototype(order);

  let analog: Zpk;
  if (type === "lowpass") {
    analog = lowpassFromPrototype(prototype, warped[0] as number);
  } else if (type === "highpass") {
    analog = highpassFromPrototype(prototype, warped[0] as number);
  } else {
    const [lowWarped, highWarped] = warped as [number, number];
    const bandwidth = highWarped - lowWarped;
    const center = Math.sqrt(lowWarped * highWarped);
    analog =
      type === "bandpass"
        ? bandpassFromPrototype(prototype, center, bandwidth)
        : bandstopFromPrototype(prototype, center, bandwidth);
  }

  const digital = bilinear(analog);
  return zpkToSos(digital.zeros, digital.poles, digital.gain);
}

function validateCutoffs(
  cutoffHz: number | readonly [number, number],
  type: FilterType,
  sampleRateHz: number,
): number[] {
  const nyquistHz = sampleRateHz / 2;
  const isBand = type === "bandpass" || type === "bandstop";
  let cutoffs: number[];

  if (isBand) {
    if (!Array.isArray(cutoffHz) || cutoffHz.length !== 2) {
      throw new TypeError(
        `cutoffHz must be [lowHz, highHz] for a ${type} filter, received ${String(cutoffHz)}`,
      );
    }
    cutoffs = [...(cutoffHz as readonly number[])];
  } else {
    if (typeof cutoffHz !== "number") {
      throw new TypeError(
        `cutoffHz must be one frequency in Hz for a ${type} filter, received [${String(cutoffHz)}]; ` +
          "pass [lowHz, highHz] only for bandpass and bandstop",
      );
    }
    cutoffs = [cutoffHz];
  }

  for (const hz of cutoffs) {
    if (typeof hz !== "number" || !(hz > 0 && hz < nyquistHz)) {
      throw new RangeError(
        `cutoffHz must be above 0 and below the Nyquist frequency ${nyquistHz} Hz ` +
          `(sampleRateHz / 2), received ${hz}`,
      );
    }
  }
  if (isBand && !((cutoffs[0] as number) < (cutoffs[1] as number))) {
    throw new RangeError(
      `cutoffHz must be [lowHz, highHz] with lowHz below highHz, received [${cutoffs.join(", ")}]`,
    );
  }
  return cutoffs;
}

/**
 * Builds the analog Butterworth low-pass with cutoff 1 rad/s: no zeros, and the poles
 * -exp(iπm / 2N) for m = 1-N, 3-N, …, N-1.
 */
function butterworthPrototype(order: number): Zpk {
  const poles: Complex[] = [];
  for (let m = -order + 1; m < order; m += 2) {
    const angle = (Math.PI * m) / (2 * order);
    poles.push(complex(-Math.cos(angle), -Math.sin(angle)));
  }
  return { zeros: [], poles, gain: 1 };
}

function lowpassFromPrototype(prototype: Zpk, cutoff: number): Zpk {
  const degree = prototype.poles.length - prototype.zeros.length;
  return {
    zeros: prototype.zeros.map((z) => scale(z, cutoff)),
    poles: prototype.poles.map((p) => scale(p, cutoff)),
    gain: prototype.gain * cutoff ** degree,
  };
}

function highpassFromPrototype(prototype: Zpk, cutoff: number): Zpk {
  const degree = prototype.poles.length - prototype.zeros.length;
  return {
    // Inverting about the unit circle moves zeros at infinity to the origin.
    zeros: [
      ...prototype.zeros.map((z) => divide(complex(cutoff), z)),
      ...repeat(complex(0), degree),
    ],
    poles: prototype.poles.map((p) => divide(complex(cutoff), p)),
    gain: prototype.gain * inversionGain(prototype),
  };
}

function bandpassFromPrototype(prototype: Zpk, center: number, bandwidth: number): Zpk {
  const degree = prototype.poles.length - prototype.zeros.length;
  const shift = (values: readonly Complex[]): Complex[] =>
    splitAroundCenter(
      values.map((v) => complex((v.re * bandwidth) / 2, (v.im * bandwidth) / 2)),
      center,
    );
  return {
    // Half of the zeros at infinity move to the origin; the other half stay at infinity.
    zeros: [...shift(prototype.zeros), ...repeat(complex(0), degree)],
    poles: shift(prototype.poles),
    gain: prototype.gain * bandwidth ** degree,
  };
}

function bandstopFromPrototype(prototype: Zpk, center: number, bandwidth: number): Zpk {
  const degree = prototype.poles.length - prototype.zeros.length;
  const shift = (values: readonly Complex[]): Complex[] =>
    splitAroundCenter(
      values.map((v) => divide(complex(bandwidth / 2), v)),
      center,
    );
  return {
    // Zeros at infinity move to the center of the stop band, ±i·center.
    zeros: [
      ...shift(prototype.zeros),
      ...repeat(complex(0, center), degree),
      ...repeat(complex(0, -center), degree),
    ],
    poles: shift(prototype.poles),
    gain: prototype.gain * inversionGain(prototype),
  };
}

/** Maps each baseband value v to the pair v ± √(v² - center²), all plus-roots first. */
function splitAroundCenter(values: readonly Complex[], center: number): Complex[] {
  const roots = values.map((v) => squareRoot(subtract(multiply(v, v), complex(center ** 2))));
  return [
    ...values.map((v, i) => add(v, roots[i] as Complex)),
    ...values.map((v, i) => subtract(v, roots[i] as Complex)),
  ];
}

/** Gain change of inverting a zpk system about the unit circle: Re(∏(-z) / ∏(-p)). */
function inversionGain(system: Zpk): number {
  const negate = (v: Complex): Complex => complex(-v.re, -v.im);
  return divide(product(system.zeros.map(negate)), product(system.poles.map(negate))).re;
}

/**
 * Maps an analog system to a digital one with the bilinear transform z = (4 + s) / (4 - s),
 * for scipy's design sample rate of 2. Zeros at infinity move to z = -1.
 */
function bilinear(analog: Zpk): Zpk {
  const twiceRate = complex(4);
  const degree = analog.poles.length - analog.zeros.length;
  const map = (s: Complex): Complex => divide(add(twiceRate, s), subtract(twiceRate, s));
  const gainChange = divide(
    product(analog.zeros.map((z) => subtract(twiceRate, z))),
    product(analog.poles.map((p) => subtract(twiceRate, p))),
  ).re;
  return {
    zeros: [...analog.zeros.map(map), ...repeat(complex(-1), degree)],
    poles: analog.poles.map(map),
    gain: analog.gain * gainChange,
  };
}

function scale(value: Complex, factor: number): Complex {
  return complex(value.re * factor, value.im * factor);
}

function repeat(value: Complex, count: number): Complex[] {
  return Array.from({ length: count }, () => value);
}
