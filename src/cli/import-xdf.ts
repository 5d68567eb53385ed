import { stat } from "node:fs/promises";
import { importXdfFile, type ImportXdfResult } from "../xdf/import-session.js";
import { XdfFormatError } from "../xdf/read.js";
import { CliError } from "./cli-error.js";

/**
 * Runs `myogestic import xdf`: imports one XDF file as a session, writes the reader's and the
 * import's warnings to `warn`, and prints the archive and its streams.
 */
export async function runImportXdf(
  file: string,
  options: { out: string; print: (line: string) => void; warn?: (line: string) => void },
): Promise<void> {
  const warn = options.warn ?? ((line: string) => process.stderr.write(`${line}\n`));
  const found = await stat(file).catch(() => undefined);
  if (found === undefined) {
    throw new CliError(`XDF file not found: ${file}; pass the path of an .xdf file recorded by LabRecorder`);
  }
  if (!found.isFile()) {
    throw new CliError(`${file} is not a file; pass the path of an .xdf file recorded by LabRecorder`);
  }
  let result: ImportXdfResult;
  try {
    result = await importXdfFile(file, { out: options.out });
  } catch (error) {
    if (error instanceof XdfFormatError) {
      throw new CliError(error.message);
    }
    throw error;
  }
  for (const warning of result.warnings) {
    warn(`warning: ${warning}`);
  }
  options.print(`Imported ${file} into ${result.archivePath}:`);
  for (const stream of result.streams) {
    const count = counted(stream.nSamples, stream.kind === "numeric" ? "sample" : "event");
    const renamed = stream.sessionName === stream.xdfName ? "" : ` (XDF name "${stream.xdfName}")`;
    const channels = counted(stream.nChannels, "channel");
    options.print(`  ${stream.sessionName}${renamed}: XDF stream ${stream.xdfId}, ${stream.kind}, ${channels}, ${count}`);
  }
}

/** Returns `1 sample` or `3 samples`. */
function counted(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}
