import { type Complex, add, complex, conjugate, divide, magnitude, multiply } from "./complex.js";
import type { Section } from "./sections.js";

// Relative tolerance for "real" and for "conjugate pair": 100 float64 epsilons, as scipy uses.
const TOLERANCE = 100 * Number.EPSILON;

/**
 * Converts zeros, poles and gain of a digital filter into second-order sections, pairing as
 * `scipy.signal.zpk2sos` does with `pairing="nearest"` (scipy 1.17). The pole closest to the
 * unit circle starts a section with its conjugate (or the next real pole closest to the unit
 * circle) and the zeros closest to it. Sections are filled from the last, so the poles closest
 * to the unit circle end up in the last section. The gain multiplies the first section's
 * numerator. Every complex zero and pole must come with its conjugate.
 */
export function zpkToSos(
  zeros: readonly Complex[],
  poles: readonly Complex[],
  gain: number,
): Section[] {
  let z = [...zeros];
  let p = [...poles];
  while (p.length < z.length) {
    p.push(complex(0));
  }
  while (z.length < p.length) {
    z.push(complex(0));
  }
  const nSections = Math.floor((p.length + 1) / 2);
  // An odd count gets a pole and a zero at the origin, so every section is second order.
  if (p.length % 2 === 1) {
    p.push(complex(0));
    z.push(complex(0));
  }
  z = splitComplexReal(z);
  p = splitComplexReal(p);

  const sections: Section[] = new Array<Section>(nSections);
  for (let index = nSections - 1; index >= 0; index--) {
    const p1 = takeAt(p, indexClosestToUnitCircle(p));
    const realPolesLeft = p.filter(isReal).length;

    if (isReal(p1) && realPolesLeft === 0) {
      // The last real pole forms a first-order section with the nearest real zero.
      const z1 = takeAt(z, indexNearest(z, p1, "real"));
      sections[index] = sectionFrom([z1, complex(0)], [p1, complex(0)]);
    } else if (
      p.length + 1 === z.length &&
      !isReal(p1) &&
      realPolesLeft === 1 &&
      z.filter(isReal).length === 1
    ) {
      // The one real zero left must stay for the one real pole left, so this complex pole
      // takes a complex zero.
      const z1 = takeAt(z, indexNearest(z, p1, "complex"));
      sections[index] = sectionFrom([z1, conjugate(z1)], [p1, conjugate(p1)]);
    } else {
      let p2: Complex;
      if (isReal(p1)) {
        const realIndices = indicesWhere(p, isReal);
        const realPoles = realIndices.map((i) => p[i] as Complex);
        p2 = takeAt(p, realIndices[indexClosestToUnitCircle(realPoles)] as number);
      } else {
        p2 = conjugate(p1);
      }
      sections[index] = sectionFrom(takeZerosFor(z, p1), [p1, p2]);
    }
  }

  const first = sections[0] as Section;
  sections[0] = [first[0] * gain, first[1] * gain, first[2] * gain, first[3], first[4], first[5]];
  return sections;
}

/** Removes and returns the zeros for a section whose first pole is `pole`: a pair, or one. */
function takeZerosFor(z: Complex[], pole: Complex): Complex[] {
  if (z.length === 0) {
    return [];
  }
  const z1 = takeAt(z, indexNearest(z, pole, "any"));
  if (!isReal(z1)) {
    return [z1, conjugate(z1)];
  }
  if (z.length === 0) {
    return [z1];
  }
  return [z1, takeAt(z, indexNearest(z, pole, "real"))];
}

/**
 * Splits `values` into complex numbers with positive imaginary part, one per conjugate pair and
 * averaged with its partner, followed by the real numbers, as scipy's `_cplxreal` does. Both
 * parts are sorted by real part and then by the size of the imaginary part.
 */
function splitComplexReal(values: readonly Complex[]): Complex[] {
  const sorted = stableSort(values, (a, b) => a.re - b.re || Math.abs(a.im) - Math.abs(b.im));
  const realMask = sorted.map((v) => Math.abs(v.im) <= TOLERANCE * magnitude(v));
  const reals = sorted.filter((_, i) => realMask[i]).map((v) => complex(v.re));
  if (reals.length === sorted.length) {
    return reals;
  }

  const nonReal = sorted.filter((_, i) => !realMask[i]);
  const upper = nonReal.filter((v) => v.im > 0);
  const lower = nonReal.filter((v) => v.im < 0);
  if (upper.length !== lower.length) {
    throw new RangeError("zpkToSos: a complex value has no matching conjugate");
  }

  // Within a run of equal real parts, order both halves by the size of the imaginary part so
  // that partners line up.
  let start = 0;
  while (start < upper.length) {
    let stop = start + 1;
    while (
      stop < upper.length &&
      (upper[stop] as Complex).re - (upper[stop - 1] as Complex).re <=
        TOLERANCE * magnitude(upper[stop - 1] as Complex)
    ) {
      stop++;
    }
    if (stop - start > 1) {
      for (const half of [upper, lower]) {
        const run = stableSort(half.slice(start, stop), (a, b) => Math.abs(a.im) - Math.abs(b.im));
        half.splice(start, run.length, ...run);
      }
    }
    start = stop;
  }

  const pairs = upper.map((u, i) => {
    const partner = conjugate(lower[i] as Complex);
    const mismatch = magnitude({ re: u.re - partner.re, im: u.im - partner.im });
    if (mismatch > TOLERANCE * magnitude(partner)) {
      throw new RangeError("zpkToSos: a complex value has no matching conjugate");
    }
    return divide(add(u, partner), complex(2));
  });
  return [...pairs, ...reals];
}

/** Builds a section from two zeros and two poles, as the polynomials (1 - z1/z)(1 - z2/z). */
function sectionFrom(zeros: readonly Complex[], poles: readonly [Complex, Complex]): Section {
  const [b0, b1, b2] =
    zeros.length === 2
      ? monicQuadratic(zeros[0] as Complex, zeros[1] as Complex)
      : linear(zeros);
  const [, a1, a2] = monicQuadratic(poles[0], poles[1]);
  return [b0, b1, b2, 1, a1, a2];
}

function monicQuadratic(r1: Complex, r2: Complex): [number, number, number] {
  const minusR1 = complex(-r1.re, -r1.im);
  const minusR2 = complex(-r2.re, -r2.im);
  return [1, minusR1.re + minusR2.re, multiply(minusR1, minusR2).re];
}

/** Builds a numerator with at most one zero, right-aligned as scipy places it. */
function linear(zeros: readonly Complex[]): [number, number, number] {
  const zero = zeros[0];
  return zero === undefined ? [0, 0, 1] : [0, 1, -zero.re];
}

function isReal(value: Complex): boolean {
  return value.im === 0;
}

// NOTE: two poles at the same distance from the unit circle (a band centred on a quarter of the
// sample rate after pre-warping) tie here, and scipy breaks the tie by the last bit of its own
// rounding. Those sections may then come in another order than scipy's; the sections themselves
// and the overall response are the same.
function indexClosestToUnitCircle(values: readonly Complex[]): number {
  let best = 0;
  let bestDistance = Infinity;
  values.forEach((value, i) => {
    const distance = Math.abs(1 - magnitude(value));
    if (distance < bestDistance) {
      best = i;
      bestDistance = distance;
    }
  });
  return best;
}

/** Index of the value nearest to `target` among the real, the complex or all values. */
function indexNearest(
  values: readonly Complex[],
  target: Complex,
  kind: "real" | "complex" | "any",
): number {
  let best = -1;
  let bestDistance = Infinity;
  values.forEach((value, i) => {
    if ((kind === "real" && !isReal(value)) || (kind === "complex" && isReal(value))) {
      return;
    }
    const distance = magnitude({ re: value.re - target.re, im: value.im - target.im });
    if (distance < bestDistance) {
      best = i;
      bestDistance = distance;
    }
  });
  if (best < 0) {
    throw new RangeError(`zpkToSos: no ${kind} zero is left to pair with a pole`);
  }
  return best;
}

function indicesWhere(
  values: readonly Complex[],
  predicate: (value: Complex) => boolean,
): number[] {
  const indices: number[] = [];
  values.forEach((value, i) => {
    if (predicate(value)) {
      indices.push(i);
    }
  });
  return indices;
}

function takeAt(values: Complex[], index: number): Complex {
  const [taken] = values.splice(index, 1);
  return taken as Complex;
}

/** Sorts a copy; ties keep their input order, as numpy's `lexsort` does. */
function stableSort(
  values: readonly Complex[],
  compare: (a: Complex, b: Complex) => number,
): Complex[] {
  return [...values].sort(compare);
}
