import { Command, CommanderError } from "commander";
import { readFileSync } from "node:fs";
import { CliError, parseNonNegativeInteger, parsePositive, parsePositiveInteger } from "./cli-error.js";
import { DEMO_DEFAULTS, runDemo } from "./demo.js";
import { runDemoUi } from "./demo-ui.js";
import { runEvaluate, type EvaluateCliOptions } from "./evaluate.js";
import { runImportLibemg } from "./import-libemg.js";
import { runImportXdf } from "./import-xdf.js";
import { addLslCommands } from "./lsl-commands.js";
import { formatSessionSummary, summariseSession } from "./inspect.js";

const packageJson = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
  version: string;
};

/** Builds the `myogestic` command with its subcommands. */
export function buildProgram(print: (line: string) => void = console.log): Command {
  const program = new Command("myogestic")
    .description("Real-time EMG decoding: stream, record labelled trials, inspect and import sessions.")
    .version(packageJson.version)
    .showHelpAfterError();

  program
    .command("demo")
    .description(
      "Record labelled trials following a cue, train HTD features + LDA, predict live and summarise. " +
        "Uses a synthetic EMG stream, with --data a LibEMG-layout set replayed live, or with --lsl a live LSL stream " +
        "whose wearer follows the printed cue",
    )
    .option("--channels <count>", "channels of the synthetic stream", String(DEMO_DEFAULTS.channels))
    .option("--sample-rate-hz <hz>", "sample rate of the synthetic stream, or of the --data rows (default 200 there)")
    .option("--trial-s <seconds>", "seconds each cued class lasts (synthetic or LSL stream)", String(DEMO_DEFAULTS.trialS))
    .option("--repetitions <count>", "repetitions of each class recorded for training (synthetic or LSL stream)", String(DEMO_DEFAULTS.repetitions))
    .option("--seed <n>", "seed of the synthetic signal", String(DEMO_DEFAULTS.seed))
    .option("--predict-hz <hz>", "predict loop rate in Hz", String(DEMO_DEFAULTS.predictHz))
    .option("--data <dir>", "a LibEMG-layout data set: trials 1-3 replayed and recorded for training, 4-6 replayed for prediction")
    .option("--speed <factor>", "replay speed of --data; 1 is real time", String(DEMO_DEFAULTS.speed))
    .option("--out <folder>", "folder that receives the recorded sessions", DEMO_DEFAULTS.out)
    .option("--ui", "serve the full panel on 127.0.0.1 and run until stopped (Ctrl-C)")
    .option("--port <port>", "first port to try for the panel", "8765")
    .option("--lsl <name>", "a Lab Streaming Layer stream to record and predict from instead of the synthetic stream")
    .action(async (options: Record<string, string | boolean | undefined>) => {
      const data = options.data as string | undefined;
      const lsl = options.lsl as string | undefined;
      if (lsl !== undefined && (data !== undefined || options.ui === true)) {
        throw new CliError("--lsl runs the job on a live stream; leave out --data and --ui");
      }
      if (options.ui === true) {
        if (data !== undefined) {
          throw new CliError("--ui runs on the synthetic stream; leave out --data");
        }
        await runDemoUi(
          {
            channels: parsePositiveInteger("--channels", options.channels as string),
            predictHz: parsePositive("--predict-hz", options.predictHz as string),
            seed: parseNonNegativeInteger("--seed", options.seed as string),
            out: options.out as string,
            port: parsePositiveInteger("--port", options.port as string),
            trialS: parseAtMost("--trial-s", parsePositive("--trial-s", options.trialS as string), 3600),
            repetitions: parsePositiveInteger("--repetitions", options.repetitions as string),
            ...(options.sampleRateHz === undefined ? {} : { sampleRateHz: parsePositive("--sample-rate-hz", options.sampleRateHz as string) }),
          },
          print,
        );
        return;
      }
      await runDemo(
        {
          channels: parsePositiveInteger("--channels", options.channels as string),
          sampleRateHz:
            options.sampleRateHz === undefined
              ? data === undefined
                ? DEMO_DEFAULTS.sampleRateHz
                : 200
              : parsePositive("--sample-rate-hz", options.sampleRateHz as string),
          trialS: parseAtMost("--trial-s", parsePositive("--trial-s", options.trialS as string), 3600),
          repetitions: parsePositiveInteger("--repetitions", options.repetitions as string),
          seed: parseNonNegativeInteger("--seed", options.seed as string),
          predictHz: parsePositive("--predict-hz", options.predictHz as string),
          speed: parsePositive("--speed", options.speed as string),
          out: options.out as string,
          ...(data === undefined ? {} : { data }),
          ...(lsl === undefined ? {} : { lsl }),
        },
        print,
      );
    });

  const importCommand = program.command("import").description("Turn data sets from other tools into sessions");
  importCommand
    .command("libemg <dir>")
    .description("Import a LibEMG-layout data set (R_<rep>_C_<class>.csv files and metadata.json), one session per file")
    .requiredOption("--sample-rate-hz <hz>", "sample rate of the CSV rows in Hz (the files do not store it)")
    .requiredOption("--out <folder>", "folder that receives the sessions")
    .action(async (dir: string, options: Record<string, string>) => {
      await runImportLibemg(dir, {
        sampleRateHz: parsePositive("--sample-rate-hz", options.sampleRateHz as string),
        out: options.out as string,
        print,
      });
    });

  importCommand
    .command("xdf <file>")
    .description(
      "Import an XDF file recorded by LabRecorder as one session: numeric streams with clock-corrected timestamps, " +
        "string streams as marker streams",
    )
    .requiredOption("--out <folder>", "folder that receives the session")
    .action(async (file: string, options: Record<string, string>) => {
      await runImportXdf(file, { out: options.out as string, print });
    });

  program
    .command("evaluate [dir]")
    .description(
      "Train on one part of a data set and test on another, window by window, and print the metrics. " +
        "With <dir> a LibEMG-layout set, --train and --test are trial numbers; without it they are session paths",
    )
    .option("--window-ms <ms>", "window length in ms", "200")
    .option("--step-ms <ms>", "step between windows in ms", "50")
    .option("--features <group or names>", "a feature group (HTD, LS4, LS9, TDPSD, TDAR) or names such as MAV,WL", "HTD")
    .option("--model <name>", "lda or knn", "lda")
    .requiredOption("--train <list>", "trial numbers (1,2,3) or session paths, separated by commas")
    .requiredOption("--test <list>", "trial numbers or session paths, separated by commas")
    .option("--sample-rate-hz <hz>", "sample rate of a LibEMG-layout set's rows in Hz", "200")
    .option("--stream <name>", "stream of the sessions to evaluate (default their first)")
    .option("--json", "print the results as JSON")
    .action(async (dir: string | undefined, options: EvaluateCliOptions) => {
      await runEvaluate(dir, options, print);
    });

  program
    .command("inspect <session>")
    .description("Print a session's streams, shapes, rates, duration and labels")
    .option("--json", "print the summary as JSON")
    .action(async (path: string, options: { json?: boolean }) => {
      const summary = await summariseSession(path);
      print(options.json === true ? JSON.stringify(summary, null, 2) : formatSessionSummary(summary));
    });

  addLslCommands(program, print);
  return program;
}

/** Runs the command line and returns the exit code; errors become one line on stderr. */
export async function main(argv: readonly string[] = process.argv): Promise<number> {
  const program = buildProgram();
  program.exitOverride();
  try {
    await program.parseAsync([...argv]);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode;
    }
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`myogestic: ${message}\n`);
    return error instanceof CliError ? error.exitCode : 1;
  }
}

function parseAtMost(option: string, value: number, maximum: number): number {
  if (value > maximum) {
    throw new CliError(`${option} must be at most ${maximum}, received ${value}`);
  }
  return value;
}
