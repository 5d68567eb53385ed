import { SingleBar } from "cli-progress";
import { stat } from "node:fs/promises";
import { importLibemgDataset } from "../session/import-libemg.js";
import { CliError } from "./cli-error.js";

/** Runs `myogestic import libemg`: imports with a progress bar on stderr and prints where the sessions went. */
export async function runImportLibemg(
  dir: string,
  options: { sampleRateHz: number; out: string; print: (line: string) => void },
): Promise<void> {
  const found = await stat(dir).catch(() => undefined);
  if (found === undefined) {
    throw new CliError(`data set folder not found: ${dir}; pass the folder holding the R_<rep>_C_<class>.csv files`);
  }
  if (!found.isDirectory()) {
    throw new CliError(`${dir} is a file, not a folder; pass the folder holding the R_<rep>_C_<class>.csv files`);
  }
  const bar = new SingleBar({
    format: "Importing {bar} {value}/{total} files",
    stream: process.stderr,
    noTTYOutput: false,
    clearOnComplete: true,
  });
  let started = false;
  try {
    const result = await importLibemgDataset(dir, {
      sampleRateHz: options.sampleRateHz,
      out: options.out,
      onProgress: (done, total) => {
        if (!started) {
          bar.start(total, 0);
          started = true;
        }
        bar.update(done);
      },
    });
    bar.stop();
    options.print(
      `Imported ${result.archives.length} sessions (${result.totalSamples} samples, classes ${result.classNames.join(", ")}) into ${options.out}`,
    );
  } catch (error) {
    if (started) {
      bar.stop();
    }
    throw error;
  }
}
