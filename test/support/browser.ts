import { existsSync } from "node:fs";
import { chromium, type Browser } from "playwright-core";

/** Debian's Chromium, which `.ci/run` installs. */
export const CHROMIUM_PATH = "/usr/bin/chromium";

/** Why browser tests skip, or undefined when Chromium is installed. */
export const BROWSER_SKIP_REASON = existsSync(CHROMIUM_PATH)
  ? undefined
  : "Debian chromium is not installed at /usr/bin/chromium; .ci/run installs it";

/** Launches headless Chromium with the flags that keep it off the network. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
      "--disable-quic",
      "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1, EXCLUDE localhost",
    ],
  });
}
