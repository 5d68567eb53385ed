/**
 * A strict parser for numeric CSV text: no header, one sample per line, one value per column,
 * comma-separated, as LibEMG and `numpy.savetxt(..., delimiter=",")` write them.
 */

/** A numeric CSV parsed into float32 values. */
export interface NumericCsv {
  /** Sample-major float32 values, `nSamples × nChannels`: row r, column c at `r * nChannels + c`. */
  readonly samples: Float32Array;
  /** Number of rows. */
  readonly nSamples: number;
  /** Number of values per row. */
  readonly nChannels: number;
}

/** A CSV file that could not be parsed, with the file and the 1-based line at fault. */
export class CsvFormatError extends Error {
  override readonly name = "CsvFormatError";
  /** The file as named to the parser. */
  readonly file: string;
  /** Line number counted from 1, or 0 for a fault of the whole file (such as an empty file). */
  readonly lineNumber: number;

  constructor(file: string, lineNumber: number, fault: string) {
    super(lineNumber > 0 ? `${file}: line ${lineNumber}: ${fault}` : `${file}: ${fault}`);
    this.file = file;
    this.lineNumber = lineNumber;
  }
}

/** A decimal number as numpy writes one: optional sign, digits, optional fraction and exponent. */
const NUMBER_PATTERN = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
/** A non-finite value as numpy writes one: `nan`, `inf` or `infinity` in any case, optionally signed. */
const NON_FINITE_PATTERN = /^[+-]?(?:nan|inf|infinity)$/i;

/** Initial capacity of the value buffer, in values; it doubles as rows arrive. */
const INITIAL_CAPACITY = 4096;

/**
 * Parses CSV text into float32 values, each `Math.fround(parseFloat(cell))`, so values written
 * as float32 by numpy read back unchanged.
 *
 * Lines end in `\n` or `\r\n`, a UTF-8 byte-order mark is skipped, and spaces or tabs around a
 * cell are ignored. Empty lines are allowed only at the end of the text. Every row must have
 * the number of cells of the first row.
 *
 * @param file the file's name, used in error messages.
 * @throws CsvFormatError for empty text, an empty line before the last row, a cell that is not
 *   a number, or a row with the wrong number of cells.
 */
export function parseNumericCsv(text: string, file: string): NumericCsv {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const lines = body.split("\n");
  let lastRow = lines.length - 1;
  while (lastRow >= 0 && (lines[lastRow] as string).trim() === "") {
    lastRow--;
  }
  if (lastRow < 0) {
    throw new CsvFormatError(file, 0, "the file is empty; expected rows of comma-separated numbers");
  }

  let nChannels = 0;
  let values = new Float32Array(INITIAL_CAPACITY);
  let length = 0;
  for (let index = 0; index <= lastRow; index++) {
    const lineNumber = index + 1;
    const line = lines[index] as string;
    if (line.trim() === "") {
      throw new CsvFormatError(file, lineNumber, "empty line before the last row");
    }
    const cells = line.split(",");
    if (index === 0) {
      nChannels = cells.length;
    } else if (cells.length !== nChannels) {
      throw new CsvFormatError(
        file,
        lineNumber,
        `expected ${nChannels} values as on line 1, found ${cells.length}`,
      );
    }
    if (length + nChannels > values.length) {
      const grown = new Float32Array(Math.max(2 * values.length, length + nChannels));
      grown.set(values.subarray(0, length));
      values = grown;
    }
    for (let column = 0; column < nChannels; column++) {
      values[length++] = parseCell(cells[column] as string, file, lineNumber, column);
    }
  }

  return { samples: values.slice(0, length), nSamples: lastRow + 1, nChannels };
}

function parseCell(raw: string, file: string, lineNumber: number, column: number): number {
  const cell = raw.trim();
  if (NUMBER_PATTERN.test(cell)) {
    return Math.fround(parseFloat(cell));
  }
  if (NON_FINITE_PATTERN.test(cell)) {
    if (/nan/i.test(cell)) {
      return Number.NaN;
    }
    return cell.startsWith("-") ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  }
  const excerpt = cell.length > 40 ? `${cell.slice(0, 40)}…` : cell;
  const described = cell === "" ? "an empty cell" : `"${excerpt}"`;
  throw new CsvFormatError(file, lineNumber, `column ${column + 1} is ${described}, not a number`);
}
