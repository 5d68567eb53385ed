/** A prediction of the demo, with the span of the window it was made from. */
export interface ScoredPrediction {
  readonly classIndex: number;
  /** Timestamps of the window's first and newest samples, in seconds. */
  readonly windowStartS: number;
  readonly windowEndS: number;
}

/** Live accuracy of the demo. */
export interface LiveScoreSummary {
  /** Ticks whose newest sample fell under a cued class. */
  readonly ticks: number;
  readonly accuracy: number;
  /** Ticks whose whole window fell under one cued class. */
  readonly singleClassTicks: number;
  readonly singleClassAccuracy: number;
}

/**
 * Scores raw predictions against the cue: each is labelled with the class cued at the timestamp
 * of the newest sample of its window (data time, not wall-clock time). Ticks before the first cue
 * or under no cue are not counted.
 */
export class LiveScore {
  readonly #changes: { timestampS: number; classIndex: number | null }[] = [];
  #ticks = 0;
  #correct = 0;
  #singleTicks = 0;
  #singleCorrect = 0;

  /** Records a change of cue at `timestampS`. */
  noteCue(classIndex: number | null, timestampS: number): void {
    this.#changes.push({ timestampS, classIndex });
    this.#changes.sort((a, b) => a.timestampS - b.timestampS);
  }

  /** Returns the class cued at `timeS`, or null. */
  labelAt(timeS: number): number | null {
    let label: number | null = null;
    for (const change of this.#changes) {
      if (change.timestampS > timeS) {
        break;
      }
      label = change.classIndex;
    }
    return label;
  }

  score(prediction: ScoredPrediction): void {
    const truth = this.labelAt(prediction.windowEndS);
    if (truth === null) {
      return;
    }
    const correct = truth === prediction.classIndex ? 1 : 0;
    this.#ticks++;
    this.#correct += correct;
    const changesInside = this.#changes.some(
      (change) => change.timestampS > prediction.windowStartS && change.timestampS <= prediction.windowEndS,
    );
    if (!changesInside && this.labelAt(prediction.windowStartS) === truth) {
      this.#singleTicks++;
      this.#singleCorrect += correct;
    }
  }

  get summary(): LiveScoreSummary {
    return {
      ticks: this.#ticks,
      accuracy: this.#ticks === 0 ? 0 : this.#correct / this.#ticks,
      singleClassTicks: this.#singleTicks,
      singleClassAccuracy: this.#singleTicks === 0 ? 0 : this.#singleCorrect / this.#singleTicks,
    };
  }
}
