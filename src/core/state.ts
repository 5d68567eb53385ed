/** States of the core app. The pipeline adds `training` and `predicting`. */
export type CoreState = "idle" | "recording";

/** Any state name; the core defines `idle` and `recording`, extensions add their own. */
export type AppState = CoreState | (string & {});

/** One allowed move of the state machine. */
export interface Transition {
  readonly from: AppState;
  readonly to: AppState;
}

/** The transitions the core app allows: idle to recording and back. */
export const CORE_TRANSITIONS: readonly Transition[] = [
  { from: "idle", to: "recording" },
  { from: "recording", to: "idle" },
];

/** Result of a transition request: done, or refused with the reason shown to the operator. */
export type TransitionResult = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/**
 * The state machine as data: a set of allowed transitions and the current state. Exactly one
 * state holds at a time. A request outside the table is refused with a reason, never thrown,
 * because operators press buttons in any order.
 */
export class StateTable {
  #state: AppState = "idle";
  readonly #allowed = new Map<AppState, Set<AppState>>();

  constructor(transitions: readonly Transition[] = CORE_TRANSITIONS) {
    this.add(transitions);
  }

  get state(): AppState {
    return this.#state;
  }

  /** Adds transitions to the table; an extension such as the pipeline opens its states this way. */
  add(transitions: readonly Transition[]): void {
    for (const { from, to } of transitions) {
      if (from === to) {
        throw new RangeError(`a transition must change the state, received ${from} -> ${to}`);
      }
      let targets = this.#allowed.get(from);
      if (targets === undefined) {
        targets = new Set();
        this.#allowed.set(from, targets);
      }
      targets.add(to);
    }
  }

  /** Every state named in the table. */
  get states(): readonly AppState[] {
    const names = new Set<AppState>(["idle"]);
    for (const [from, targets] of this.#allowed) {
      names.add(from);
      for (const to of targets) {
        names.add(to);
      }
    }
    return [...names];
  }

  /** Whether the table allows moving from the current state to `to`. */
  can(to: AppState): boolean {
    return this.#allowed.get(this.#state)?.has(to) ?? false;
  }

  /** Moves to `to` when the table allows it; otherwise leaves the state and returns the reason. */
  move(to: AppState): TransitionResult {
    if (!this.can(to)) {
      const known = this.states.includes(to);
      const reason = known
        ? `Cannot go to ${to} while ${this.#state}`
        : `Unknown state ${JSON.stringify(to)}; known states: ${this.states.join(", ")}`;
      return { ok: false, reason };
    }
    this.#state = to;
    return { ok: true };
  }
}
