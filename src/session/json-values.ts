/** Checks whether `value` is a plain JSON object (not null, not an array). */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Formats a value found in a file for an error message, cut to about 80 characters. */
export function describeJsonValue(value: unknown): string {
  const text = JSON.stringify(value);
  if (text === undefined) {
    return String(value);
  }
  if (text.length > 80) {
    return `${text.slice(0, 77)}...`;
  }
  return text;
}
