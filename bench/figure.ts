/** One measured figure of the benchmark with its target. */
export interface BenchFigure {
  readonly name: string;
  readonly description: string;
  readonly value: number;
  readonly unit: string;
  readonly target: number;
  /** How `value` must compare with `target` to meet it. */
  readonly comparison: ">=" | "<=";
  readonly met: boolean;
  readonly details: Record<string, number | string>;
}
