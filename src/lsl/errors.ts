/**
 * Errors of the Lab Streaming Layer (LSL) implementation.
 */

/**
 * An error raised when bytes from an LSL peer break the wire protocol, for example an invalid
 * field or a length over a configured limit. The message names the field and the value found.
 * A decoder that raised one stays failed, so the connection should be closed.
 */
export class LslProtocolError extends Error {
  override readonly name = "LslProtocolError";
}
