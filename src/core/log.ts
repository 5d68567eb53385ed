import type { Clock } from "./clock.js";
import { TypedEmitter } from "./events.js";

/** One line of the user log. */
export interface LogEntry {
  /** Wall-clock time the line was written, in milliseconds since the Unix epoch. */
  readonly wallTimeMs: number;
  /** Monotonic time the line was written, in seconds on the app's clock. */
  readonly timeS: number;
  /** Increasing number of the line since the log was created; gaps show dropped lines. */
  readonly sequence: number;
  readonly text: string;
}

/** Events of a {@link UserLog}. */
export interface UserLogEvents extends Record<string, unknown> {
  line: LogEntry;
}

/** Default number of lines a {@link UserLog} keeps. */
export const DEFAULT_LOG_CAPACITY = 1000;

/**
 * The bounded, timestamped log shown to the operator. It keeps the newest `capacity` lines and
 * drops the oldest; widgets read {@link UserLog.entries} or listen to the `line` event.
 */
export class UserLog extends TypedEmitter<UserLogEvents> {
  readonly capacity: number;
  readonly #clock: Clock;
  readonly #nowWallMs: () => number;
  #entries: LogEntry[] = [];
  #sequence = 0;

  constructor(clock: Clock, capacity = DEFAULT_LOG_CAPACITY, nowWallMs: () => number = Date.now) {
    super();
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`log capacity must be a positive integer, received ${capacity}`);
    }
    this.capacity = capacity;
    this.#clock = clock;
    this.#nowWallMs = nowWallMs;
  }

  /** Appends a line (newlines inside `text` are kept) and returns its entry. */
  write(text: string): LogEntry {
    const entry: LogEntry = {
      wallTimeMs: this.#nowWallMs(),
      timeS: this.#clock.now(),
      sequence: this.#sequence++,
      text,
    };
    this.#entries.push(entry);
    if (this.#entries.length > this.capacity) {
      this.#entries.splice(0, this.#entries.length - this.capacity);
    }
    this.emit("line", entry);
    return entry;
  }

  /** The kept lines, oldest first. */
  get entries(): readonly LogEntry[] {
    return this.#entries;
  }

  /** The kept lines written after line number `sequence`, for readers that poll. */
  since(sequence: number): readonly LogEntry[] {
    return this.#entries.filter((entry) => entry.sequence > sequence);
  }
}

/** Formats an entry as `HH:MM:SS.mmm text` in local time. */
export function formatLogEntry(entry: LogEntry): string {
  const date = new Date(entry.wallTimeMs);
  const pad = (value: number, width = 2) => String(value).padStart(width, "0");
  const time = `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
  return `${time}.${pad(date.getMilliseconds(), 3)} ${entry.text}`;
}
