/**
 * Clock offset estimation between an inlet and an outlet, as liblsl does it: the inlet sends
 * `LSL:timedata` probes to the outlet's UDP service port, the outlet replies with its receive
 * and send times, and each round keeps the offset of the probe with the smallest round-trip
 * time, as in NTP. This module formats and parses the datagrams and does the arithmetic. It
 * opens no sockets and sets no timers.
 */

/** First line of a time probe request. */
export const TIME_PROBE_METHOD = "LSL:timedata";

/** A probe request as the outlet reads it. */
export interface TimeProbeRequest {
  /** Token of the measurement round, echoed in the reply. */
  readonly waveId: number;
  /** The inlet's clock when it sent the probe, in seconds. */
  readonly t0: number;
}

/** A probe reply as the inlet reads it, all times in seconds. */
export interface TimeProbeReply extends TimeProbeRequest {
  /** The outlet's clock when the request arrived. */
  readonly t1: number;
  /** The outlet's clock when it sent the reply. */
  readonly t2: number;
}

/** One completed probe: the reply and the inlet's clock `t3` when it arrived, in seconds. */
export interface TimeProbe {
  readonly t0: number;
  readonly t1: number;
  readonly t2: number;
  readonly t3: number;
}

/** The offset, round-trip time and remote time measured by one probe. */
export interface TimeProbeMeasurement {
  /** Remote clock minus local clock, in seconds. */
  readonly offsetS: number;
  /** Round-trip time without the outlet's processing time, in seconds. */
  readonly rttS: number;
  /** The outlet's clock halfway through its processing, `(t1 + t2) / 2`, in seconds. */
  readonly remoteTimeS: number;
}

/** The result of a measurement round, in the form liblsl's `time_correction()` returns it. */
export interface TimeCorrection {
  /** Local minus remote clock: add it to a remote timestamp to get local time. Seconds. */
  readonly timeCorrectionS: number;
  /** The chosen probe's round-trip time, an upper bound of the error. Seconds. */
  readonly uncertaintyS: number;
  /** The outlet's clock while it processed the chosen probe, in seconds. */
  readonly remoteTimeS: number;
  /** Replies the round received. */
  readonly replyCount: number;
}

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const WAVE_ID = /^[+-]?\d+$/;

/** Digits C++ streams print when a time probe sets precision 16. */
const TIME_DIGITS = 16;

/**
 * Formats a number like a C++ stream with precision 16 and default float style (`%.16g`): 16
 * significant digits, trailing zeros dropped, exponent form below 1e-4 and from 1e16 on.
 * Rounds the exact binary value half to even, like glibc, which JavaScript's `toPrecision` does
 * not do for exact ties.
 */
export function formatCppDouble(value: number, precision = TIME_DIGITS): string {
  if (Number.isNaN(value)) return "nan";
  if (!Number.isFinite(value)) return value > 0 ? "inf" : "-inf";
  if (value === 0) return Object.is(value, -0) ? "-0" : "0";
  const sign = value < 0 ? "-" : "";
  const [digits, exponent] = roundDecimal(Math.abs(value), precision);
  if (exponent < -4 || exponent >= precision) {
    const mantissa = stripFraction(`${digits[0]}.${digits.slice(1)}`);
    const exponentText = String(Math.abs(exponent)).padStart(2, "0");
    return `${sign}${mantissa}e${exponent < 0 ? "-" : "+"}${exponentText}`;
  }
  if (exponent < 0) return `${sign}${stripFraction(`0.${"0".repeat(-exponent - 1)}${digits}`)}`;
  return `${sign}${stripFraction(`${digits.slice(0, exponent + 1)}.${digits.slice(exponent + 1)}`)}`;
}

function stripFraction(text: string): string {
  return text.includes(".") ? text.replace(/0+$/, "").replace(/\.$/, "") : text;
}

/**
 * Returns the `precision` significant decimal digits of a positive finite `value`, rounded half
 * to even from its exact binary value, and the decimal exponent of the first digit.
 */
function roundDecimal(value: number, precision: number): [string, number] {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, value);
  const bits = view.getBigUint64(0);
  const biasedExponent = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & ((1n << 52n) - 1n);
  // value = mantissa × 2^binaryExponent exactly.
  const mantissa = biasedExponent === 0 ? fraction : fraction | (1n << 52n);
  const binaryExponent = (biasedExponent === 0 ? 1 : biasedExponent) - 1075;
  let exponent = Math.floor(Math.log10(value));
  for (;;) {
    const scale = exponent - precision + 1;
    let numerator = mantissa;
    let denominator = 1n;
    if (binaryExponent >= 0) numerator <<= BigInt(binaryExponent);
    else denominator <<= BigInt(-binaryExponent);
    if (scale >= 0) denominator *= 10n ** BigInt(scale);
    else numerator *= 10n ** BigInt(-scale);
    let quotient = numerator / denominator;
    const twiceRemainder = 2n * (numerator % denominator);
    if (twiceRemainder > denominator || (twiceRemainder === denominator && quotient % 2n === 1n)) quotient += 1n;
    const digits = quotient.toString();
    // log10 can be off by one near powers of ten, and rounding can carry into a new digit.
    if (digits.length > precision) exponent += 1;
    else if (digits.length < precision) exponent -= 1;
    else return [digits, exponent];
  }
}

/** Formats a probe request as liblsl's inlet sends it: `LSL:timedata\r\n<waveId> <t0>\r\n`. */
export function formatTimeProbeRequest(waveId: number, t0: number): string {
  return `${TIME_PROBE_METHOD}\r\n${formatWaveId(waveId)} ${formatCppDouble(t0)}\r\n`;
}

/**
 * Formats a probe reply as liblsl's outlet sends it: a leading space, the four fields separated
 * by spaces, and no line end.
 */
export function formatTimeProbeReply(waveId: number, t0: number, t1: number, t2: number): string {
  return ` ${formatWaveId(waveId)} ${formatCppDouble(t0)} ${formatCppDouble(t1)} ${formatCppDouble(t2)}`;
}

function formatWaveId(waveId: number): string {
  if (!Number.isSafeInteger(waveId)) throw new RangeError(`time probe wave id ${waveId} is not an integer`);
  return String(waveId);
}

function parseFields(text: string, count: number, what: string): string[] {
  const fields = text.trim().split(/\s+/);
  if (fields.length < count || fields[0] === "") {
    throw new SyntaxError(`${what} ${JSON.stringify(text)} has ${fields[0] === "" ? 0 : fields.length} fields, expected ${count}`);
  }
  return fields;
}

function parseWaveId(field: string, text: string, what: string): number {
  const waveId = Number(field);
  if (!WAVE_ID.test(field) || !Number.isSafeInteger(waveId)) {
    throw new SyntaxError(`${what} ${JSON.stringify(text)} has wave id "${field}", which is not an integer`);
  }
  return waveId;
}

function parseTime(field: string, text: string, what: string): number {
  if (!DECIMAL.test(field)) throw new SyntaxError(`${what} ${JSON.stringify(text)} has time "${field}", which is not a number`);
  return Number(field);
}

/**
 * Parses the body of a probe reply, ` <waveId> <t0> <t1> <t2>`. Surrounding whitespace and
 * fields after the fourth are ignored, as liblsl's stream parsing does. Throws a `SyntaxError`
 * naming the text when a field is missing or not a number.
 */
export function parseTimeProbeReply(text: string): TimeProbeReply {
  const what = "time probe reply";
  const [waveId = "", t0 = "", t1 = "", t2 = ""] = parseFields(text, 4, what);
  return {
    waveId: parseWaveId(waveId, text, what),
    t0: parseTime(t0, text, what),
    t1: parseTime(t1, text, what),
    t2: parseTime(t2, text, what),
  };
}

/**
 * Parses a probe request, `LSL:timedata\r\n<waveId> <t0>\r\n`, or only its second line. Throws
 * a `SyntaxError` naming the text when the method line is another one or a field is invalid.
 */
export function parseTimeProbeRequest(text: string): TimeProbeRequest {
  const what = "time probe request";
  let body = text;
  const lineEnd = text.indexOf("\n");
  const firstLine = (lineEnd < 0 ? text : text.slice(0, lineEnd)).trim();
  if (firstLine.startsWith("LSL:")) {
    if (firstLine !== TIME_PROBE_METHOD) {
      throw new SyntaxError(`${what} starts with "${firstLine}", expected "${TIME_PROBE_METHOD}"`);
    }
    body = lineEnd < 0 ? "" : text.slice(lineEnd + 1);
  }
  const [waveId = "", t0 = ""] = parseFields(body, 2, what);
  return { waveId: parseWaveId(waveId, text, what), t0: parseTime(t0, text, what) };
}

/** Computes one probe's offset (remote − local), round-trip time and remote time. */
export function measureTimeProbe(probe: TimeProbe): TimeProbeMeasurement {
  const { t0, t1, t2, t3 } = probe;
  return {
    offsetS: (t1 - t0 + (t2 - t3)) / 2,
    rttS: t3 - t0 - (t2 - t1),
    remoteTimeS: (t1 + t2) / 2,
  };
}

/**
 * Estimates the time correction from one round's probes: the probe with the smallest round-trip
 * time wins (the first one on ties). Returns undefined when there are fewer than `minProbes`.
 */
export function estimateTimeCorrection(probes: readonly TimeProbe[], minProbes: number): TimeCorrection | undefined {
  if (probes.length < minProbes || probes.length === 0) return undefined;
  let best: TimeProbeMeasurement | undefined;
  for (const probe of probes) {
    const measurement = measureTimeProbe(probe);
    if (!best || measurement.rttS < best.rttS) best = measurement;
  }
  if (!best) return undefined;
  return { timeCorrectionS: -best.offsetS, uncertaintyS: best.rttS, remoteTimeS: best.remoteTimeS, replyCount: probes.length };
}

/**
 * The inlet's time-correction state across measurement rounds. The caller sends the probes and
 * passes each reply in. A round's estimate replaces the previous one only when the round got at
 * least `minProbes` replies (liblsl's `TimeUpdateMinProbes`, 6 by default).
 */
export class TimeCorrectionEstimator {
  readonly minProbes: number;
  #waveId: number | undefined;
  #probes: TimeProbe[] = [];
  #current: TimeCorrection | undefined;
  #wasReset = false;

  /** @param options.minProbes replies a round needs, a whole number of at least 1. */
  constructor(options: { minProbes?: number } = {}) {
    const minProbes = options.minProbes ?? 6;
    if (!Number.isInteger(minProbes) || minProbes < 1) {
      throw new RangeError(`minProbes ${minProbes} is not a whole number of at least 1`);
    }
    this.minProbes = minProbes;
  }

  /** The latest accepted estimate, or undefined before the first successful round. */
  get current(): TimeCorrection | undefined {
    return this.#current;
  }

  /** Wave id of the round in progress, or undefined between rounds. */
  get waveId(): number | undefined {
    return this.#waveId;
  }

  /** Replies collected in the round in progress. */
  get replyCount(): number {
    return this.#probes.length;
  }

  /** Starts a round whose replies must carry `waveId`, dropping the replies of an unfinished round. */
  beginRound(waveId: number): void {
    this.#waveId = waveId;
    this.#probes = [];
  }

  /**
   * Adds a reply that arrived at local time `t3` (seconds). Returns false, and ignores it, when
   * no round is open or the reply belongs to another round.
   */
  addReply(reply: TimeProbeReply, t3: number): boolean {
    if (this.#waveId === undefined || reply.waveId !== this.#waveId) return false;
    this.#probes.push({ t0: reply.t0, t1: reply.t1, t2: reply.t2, t3 });
    return true;
  }

  /**
   * Closes the round. Returns its estimate, which becomes {@link current}, or undefined when it
   * got fewer than `minProbes` replies, in which case the previous estimate stays.
   */
  endRound(): TimeCorrection | undefined {
    const estimate = estimateTimeCorrection(this.#probes, this.minProbes);
    this.#waveId = undefined;
    this.#probes = [];
    if (estimate) this.#current = estimate;
    return estimate;
  }

  /**
   * Forgets the estimate after the inlet reconnected to another outlet, whose clock may differ.
   * Sets the flag that {@link takeReset} reports when an estimate existed.
   */
  reset(): void {
    if (this.#current) this.#wasReset = true;
    this.#current = undefined;
    this.#waveId = undefined;
    this.#probes = [];
  }

  /** Returns whether {@link reset} dropped an estimate since the last call, and clears the flag. */
  takeReset(): boolean {
    const wasReset = this.#wasReset;
    this.#wasReset = false;
    return wasReset;
  }
}
