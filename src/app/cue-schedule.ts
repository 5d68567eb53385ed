import type { TimerHandle } from "../core/clock.js";
import type { App } from "./app.js";

/** One step of a cue schedule: a class (or none) cued for a duration. */
export interface CueStep {
  readonly classIndex: number | null;
  readonly durationS: number;
}

/** Position of a running schedule. */
export interface CuePosition {
  readonly index: number;
  readonly step: CueStep;
  /** Seconds left in the current step. */
  readonly remainingS: number;
  readonly next: CueStep | undefined;
}

/**
 * A scripted protocol: sets the app's cue to each step's class in turn, for each step's
 * duration, on the app's clock. While the app records, every step writes a label.
 */
export class CueSchedule {
  readonly steps: readonly CueStep[];
  readonly #app: App;
  #index = -1;
  #stepStartS = 0;
  #timer: TimerHandle | undefined;
  #resolve: (() => void) | undefined;
  #finished: Promise<void> = Promise.resolve();

  constructor(app: App, steps: readonly CueStep[]) {
    if (steps.length === 0) {
      throw new RangeError("a cue schedule needs at least one step");
    }
    for (const [index, step] of steps.entries()) {
      if (!(Number.isFinite(step.durationS) && step.durationS > 0)) {
        throw new RangeError(`step ${index + 1} lasts ${step.durationS} s; durations must be above 0`);
      }
    }
    this.#app = app;
    this.steps = [...steps];
  }

  /** Steps through classes `0 … nClasses - 1`, `repetitions` times, `trialS` each, with optional rests between. */
  static cycle(nClasses: number, options: { trialS: number; repetitions: number; restS?: number }): CueStep[] {
    const steps: CueStep[] = [];
    for (let repetition = 0; repetition < options.repetitions; repetition++) {
      for (let classIndex = 0; classIndex < nClasses; classIndex++) {
        steps.push({ classIndex, durationS: options.trialS });
        if (options.restS !== undefined && options.restS > 0) {
          steps.push({ classIndex: null, durationS: options.restS });
        }
      }
    }
    return steps;
  }

  get running(): boolean {
    return this.#index >= 0;
  }

  /** Settles when the schedule ends or is stopped. */
  get finished(): Promise<void> {
    return this.#finished;
  }

  /** The current step, time left and the next step, or undefined when not running. */
  get position(): CuePosition | undefined {
    const step = this.steps[this.#index];
    if (step === undefined) {
      return undefined;
    }
    const elapsedS = this.#app.clock.now() - this.#stepStartS;
    return { index: this.#index, step, remainingS: Math.max(0, step.durationS - elapsedS), next: this.steps[this.#index + 1] };
  }

  /** Starts from the first step; a running schedule starts over. */
  start(): void {
    this.stop();
    this.#finished = new Promise((resolve) => (this.#resolve = resolve));
    this.#enter(0);
  }

  /** Stops the schedule and leaves the cue where it is. */
  stop(): void {
    if (this.#timer !== undefined) {
      this.#app.clock.clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    this.#index = -1;
    this.#resolve?.();
    this.#resolve = undefined;
  }

  #enter(index: number): void {
    const step = this.steps[index];
    if (step === undefined) {
      this.#app.ctx.cue = null;
      this.stop();
      return;
    }
    this.#index = index;
    // Each step starts where the previous one was due to end, so the schedule does not drift.
    this.#stepStartS = index === 0 ? this.#app.clock.now() : this.#stepStartS + (this.steps[index - 1]?.durationS ?? 0);
    this.#app.ctx.cue = step.classIndex;
    const dueInMs = (this.#stepStartS + step.durationS - this.#app.clock.now()) * 1000;
    this.#timer = this.#app.clock.setTimeout(() => this.#enter(index + 1), dueInMs);
  }
}
