import { constants } from "node:os";

/** The signals after which the app finalises its recording before the process exits. */
export const SHUTDOWN_SIGNALS = ["SIGINT", "SIGTERM"] as const;

/**
 * Installs SIGINT and SIGTERM handlers that await `shutDown` and then exit with 128 plus the
 * signal's number. A second signal while shutting down exits at once. Returns a function that
 * removes the handlers.
 */
export function installSignalHandlers(
  shutDown: (signal: NodeJS.Signals) => Promise<void>,
  exit: (code: number) => void = (code) => process.exit(code),
): () => void {
  let shuttingDown = false;
  const handler = (signal: NodeJS.Signals) => {
    const code = 128 + (constants.signals[signal] ?? 0);
    if (shuttingDown) {
      exit(code);
      return;
    }
    shuttingDown = true;
    shutDown(signal).then(
      () => exit(code),
      () => exit(code),
    );
  };
  for (const signal of SHUTDOWN_SIGNALS) {
    process.on(signal, handler);
  }
  return () => {
    for (const signal of SHUTDOWN_SIGNALS) {
      process.off(signal, handler);
    }
  };
}
