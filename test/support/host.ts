import { SimulatedClock } from "../../src/core/clock.js";
import type { StreamHost } from "../../src/stream/stream-types.js";

/** A stream host on a simulated clock that records log lines and cue changes. */
export function makeHost(clock = new SimulatedClock(100)): StreamHost & {
  clock: SimulatedClock;
  lines: string[];
  cue: number | null;
} {
  const host = {
    clock,
    lines: [] as string[],
    cue: null as number | null,
    setCue(classIndex: number | null) {
      host.cue = classIndex;
    },
    log(text: string) {
      host.lines.push(text);
    },
  };
  return host;
}
