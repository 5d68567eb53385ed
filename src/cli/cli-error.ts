/** An error the command reports as one line, naming the file and the fault, before exiting non-zero. */
export class CliError extends Error {
  readonly exitCode: number;

  constructor(message: string, exitCode = 1) {
    super(message);
    this.name = "CliError";
    this.exitCode = exitCode;
  }
}

/** Parses a positive number option, or throws a {@link CliError} naming the option and the value. */
export function parsePositive(option: string, text: string): number {
  const value = Number(text);
  if (text.trim() === "" || !Number.isFinite(value) || value <= 0) {
    throw new CliError(`${option} must be a number above 0, received "${text}"`);
  }
  return value;
}

/** Parses a positive integer option, or throws a {@link CliError} naming the option and the value. */
export function parsePositiveInteger(option: string, text: string): number {
  const value = parsePositive(option, text);
  if (!Number.isInteger(value)) {
    throw new CliError(`${option} must be a whole number, received "${text}"`);
  }
  return value;
}

/** Parses an integer option of 0 or more, or throws a {@link CliError} naming the option and the value. */
export function parseNonNegativeInteger(option: string, text: string): number {
  const value = Number(text);
  if (text.trim() === "" || !Number.isInteger(value) || value < 0) {
    throw new CliError(`${option} must be a whole number of 0 or more, received "${text}"`);
  }
  return value;
}
