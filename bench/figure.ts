/** One measured figure of the benchmark with its target. */
export interface BenchFigure {
  readonly name: string;
  readonly description: string;
  readonly value: number;
  readonly unit: string;
  readonly target: number;
  /** Comparison that `value` must pass against `target` for the figure to be met. */
  readonly comparison: ">=" | "<=";
  readonly met: boolean;
  readonly details: Record<string, number | string>;
}
