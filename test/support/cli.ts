import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

/** Path of the built command, as `npm install` leaves it. */
export const BIN_PATH = fileURLToPath(new URL("../../dist/cli/bin.js", import.meta.url));

/** Folder of the shared test data beside the repository. */
export const SHARED_DATA = fileURLToPath(new URL("../../../shared/data/", import.meta.url));

/** Runs the built `myogestic` command and resolves with its exit code and output. */
export function runCli(
  args: readonly string[],
  options: { cwd?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN_PATH, ...args], {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (text: string) => (stdout += text));
    child.stderr.setEncoding("utf8").on("data", (text: string) => (stderr += text));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`myogestic ${args.join(" ")} did not exit within ${options.timeoutMs ?? 60_000} ms`));
    }, options.timeoutMs ?? 60_000);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
