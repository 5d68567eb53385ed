/** A complex number for filter design; the streaming filters never use it. */
export interface Complex {
  readonly re: number;
  readonly im: number;
}

export function complex(re: number, im = 0): Complex {
  return { re, im };
}

export function add(a: Complex, b: Complex): Complex {
  return { re: a.re + b.re, im: a.im + b.im };
}

export function subtract(a: Complex, b: Complex): Complex {
  return { re: a.re - b.re, im: a.im - b.im };
}

export function multiply(a: Complex, b: Complex): Complex {
  return { re: a.re * b.re - a.im * b.im, im: a.re * b.im + a.im * b.re };
}

/** Divides with Smith's method, as numpy does, which avoids overflow in intermediate products. */
export function divide(a: Complex, b: Complex): Complex {
  if (Math.abs(b.re) >= Math.abs(b.im)) {
    const ratio = b.im / b.re;
    const scale = 1 / (b.re + b.im * ratio);
    return { re: (a.re + a.im * ratio) * scale, im: (a.im - a.re * ratio) * scale };
  }
  const ratio = b.re / b.im;
  const scale = 1 / (b.im + b.re * ratio);
  return { re: (a.re * ratio + a.im) * scale, im: (a.im * ratio - a.re) * scale };
}

export function conjugate(a: Complex): Complex {
  return { re: a.re, im: -a.im };
}

export function magnitude(a: Complex): number {
  return Math.hypot(a.re, a.im);
}

/**
 * Computes the principal square root. The real part is never negative, and the imaginary part
 * takes the sign of `a.im`, so -0 and +0 select the two sides of the branch cut, as in C's
 * `csqrt`.
 */
export function squareRoot(a: Complex): Complex {
  if (a.re === 0 && a.im === 0) {
    return { re: 0, im: a.im };
  }
  const t = Math.sqrt((Math.abs(a.re) + magnitude(a)) / 2);
  if (a.re >= 0) {
    return { re: t, im: a.im / (2 * t) };
  }
  const negative = a.im < 0 || Object.is(a.im, -0);
  return { re: Math.abs(a.im) / (2 * t), im: negative ? -t : t };
}

/** Multiplies the numbers in order, as a left-to-right reduction; the product of none is 1. */
export function product(values: readonly Complex[]): Complex {
  let result = complex(1);
  for (const value of values) {
    result = multiply(result, value);
  }
  return result;
}
