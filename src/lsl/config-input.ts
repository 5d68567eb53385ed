/** The form in which callers hand an LSL configuration to outlets, inlets and resolvers. */

import { loadLslConfig, type LslConfig } from "./config.js";

/**
 * Values that replace those of the configuration file found as liblsl finds it (for example
 * `LOOPBACK_LSL_CONFIG`); leave it out to use the file, or the defaults without one.
 */
export type LslConfigInput = Partial<LslConfig>;

/** Returns the configuration file's values with `input` applied over them. */
export function resolveLslConfig(input?: LslConfigInput): LslConfig {
  return loadLslConfig(input === undefined ? {} : { overrides: input });
}
