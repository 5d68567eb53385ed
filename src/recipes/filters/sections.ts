/**
 * One second-order section in scipy's layout, `[b0, b1, b2, a0, a1, a2]` with `a0 = 1`. It
 * filters by `y[n] = b0·x[n] + b1·x[n-1] + b2·x[n-2] - a1·y[n-1] - a2·y[n-2]`.
 */
export type Section = readonly [number, number, number, number, number, number];

/**
 * Throws unless `sections` is a non-empty list of six finite numbers each with `a0 = 1`, the
 * form that `scipy.signal.sosfilt` accepts.
 */
export function validateSections(sections: readonly Section[]): void {
  if (!Array.isArray(sections) || sections.length === 0) {
    throw new RangeError(
      `sections must be a non-empty array of [b0, b1, b2, a0, a1, a2], received ${describe(sections)}`,
    );
  }
  sections.forEach((section, index) => {
    if (!Array.isArray(section) || section.length !== 6) {
      throw new RangeError(
        `sections[${index}] must contain six numbers [b0, b1, b2, a0, a1, a2], received ${describe(section)}`,
      );
    }
    if (!section.every((value) => typeof value === "number" && Number.isFinite(value))) {
      throw new RangeError(
        `sections[${index}] must contain finite numbers, received [${section.join(", ")}]`,
      );
    }
    if (section[3] !== 1) {
      throw new RangeError(
        `sections[${index}] must have a0 = 1, received a0 = ${section[3]}; divide the section by a0 first`,
      );
    }
  });
}

/**
 * Computes the state of each section after an input of constant 1 forever, as
 * `scipy.signal.sosfilt_zi` does: two values per section, in section order. Multiplied by a
 * value `x0`, it starts a filter as if its input had always been `x0`, so a DC offset causes no
 * start-up transient. Throws a RangeError for a section with a pole at z = 1, where no steady
 * state exists.
 */
export function sosfiltZi(sections: readonly Section[]): Float64Array {
  validateSections(sections);
  const state = new Float64Array(sections.length * 2);
  // DC gain of the sections before the current one, which is the input level of this section.
  let inputLevel = 1;

  sections.forEach(([b0, b1, b2, , a1, a2], index) => {
    const denominator = 1 + a1 + a2;
    if (denominator === 0) {
      throw new RangeError(
        `sections[${index}] has a pole at z = 1, so it has no steady state; use initialState "zero"`,
      );
    }

    // The transposed direct form II in steady state: y = b0·x + z0, z0 = b1·x - a1·y + z1,
    // z1 = b2·x - a2·y, solved for z0 and z1 with x = 1.
    const z0 = (b1 - a1 * b0 + (b2 - a2 * b0)) / denominator;
    const z1 = b2 - a2 * b0 - a2 * z0;
    state[index * 2] = inputLevel * z0;
    state[index * 2 + 1] = inputLevel * z1;
    inputLevel *= (b0 + b1 + b2) / denominator;
  });

  return state;
}

function describe(value: unknown): string {
  return Array.isArray(value) ? `an array of length ${value.length}` : String(value);
}
