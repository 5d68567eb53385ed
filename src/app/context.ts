import type { Clock } from "../core/clock.js";
import { TypedEmitter } from "../core/events.js";
import { UserLog } from "../core/log.js";
import { StateTable, type AppState, type Transition, type TransitionResult } from "../core/state.js";
import type { Stream } from "../stream/stream.js";
import type { Recording } from "./recording.js";

/** Events of a {@link Context}. */
export interface ContextEvents extends Record<string, unknown> {
  state: { readonly from: AppState; readonly to: AppState };
  status: string;
  /** A change of cue, with the time it took effect in seconds on the app's clock. */
  cue: { readonly classIndex: number | null; readonly timestampS: number };
}

/** Returns why a cue cannot be set, or `undefined` when it can. */
export type CueCheck = (classIndex: number) => string | undefined;

/**
 * What the app knows right now, shared by widgets, the pipeline and user code: the state, the
 * status line, the operator's log, the cue, the streams and the open recording.
 */
export class Context extends TypedEmitter<ContextEvents> {
  readonly clock: Clock;
  /** The bounded, timestamped log shown to the operator; {@link Context.log} writes to it. */
  readonly userLog: UserLog;
  readonly #table: StateTable;
  readonly #streams: Map<string, Stream>;
  #statusMessage = "";
  #cue: number | null = null;
  #recording: Recording | null = null;

  readonly #checkCue: CueCheck;

  constructor(clock: Clock, streams: Map<string, Stream>, logCapacity?: number, checkCue: CueCheck = () => undefined) {
    super();
    this.clock = clock;
    this.#checkCue = checkCue;
    this.userLog = new UserLog(clock, logCapacity);
    this.#table = new StateTable();
    this.#streams = streams;
  }

  /** The one current state: `idle`, `recording`, or a state an extension added. */
  get state(): AppState {
    return this.#table.state;
  }

  /** Every state the table knows. */
  get states(): readonly AppState[] {
    return this.#table.states;
  }

  /** The one-line status shown to the operator. */
  get statusMessage(): string {
    return this.#statusMessage;
  }

  set statusMessage(text: string) {
    this.#statusMessage = text;
    this.emit("status", text);
  }

  /** Appends a timestamped line to the operator's log. */
  log(line: string): void {
    this.userLog.write(line);
  }

  /** The class the person is asked to perform now, or `null` for none. */
  get cue(): number | null {
    return this.#cue;
  }

  set cue(classIndex: number | null) {
    this.setCue(classIndex);
  }

  /**
   * Sets the cue as from `timestampS` (default now). Throws a RangeError, leaving the cue as it
   * was, for anything but `null` or the index of one of the app's classes.
   */
  setCue(classIndex: number | null, timestampS: number = this.clock.now()): void {
    if (classIndex !== null) {
      if (!(Number.isInteger(classIndex) && classIndex >= 0)) {
        throw new RangeError(`cue must be a class index (an integer of 0 or more) or null, received ${classIndex}`);
      }
      const problem = this.#checkCue(classIndex);
      if (problem !== undefined) {
        throw new RangeError(problem);
      }
    }
    if (!Number.isFinite(timestampS)) {
      throw new RangeError(`the cue's timestampS must be finite seconds, received ${timestampS}`);
    }
    if (classIndex === this.#cue) {
      return;
    }
    this.#cue = classIndex;
    this.emit("cue", { classIndex, timestampS });
  }

  /** The app's streams by name. */
  get streams(): ReadonlyMap<string, Stream> {
    return this.#streams;
  }

  /** The recording in progress, or `null`. */
  get recording(): Recording | null {
    return this.#recording;
  }

  /** @internal Set by the app when a recording opens and closes. */
  setRecording(recording: Recording | null): void {
    this.#recording = recording;
  }

  /** Opens more states, as the pipeline does for `training` and `predicting`. */
  addTransitions(transitions: readonly Transition[]): void {
    this.#table.add(transitions);
  }

  /** Whether the state table allows moving to `to` now. */
  canTransition(to: AppState): boolean {
    return this.#table.can(to);
  }

  /**
   * Moves to state `to` when the table allows it. A refused move leaves the state, sets the
   * status message to the reason and returns it; it never throws.
   */
  transition(to: AppState): TransitionResult {
    const from = this.#table.state;
    const result = this.#table.move(to);
    if (!result.ok) {
      this.statusMessage = result.reason;
      return result;
    }
    this.emit("state", { from, to });
    return result;
  }
}
