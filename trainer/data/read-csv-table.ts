/**
 * The first step of reading a CSV data set: text → header + rows of trimmed strings,
 * with the file's row number of every record. Pure (papaparse on a string), so it
 * runs the same in a browser, a worker and Node.
 */
import Papa from 'papaparse';
import { TrainerError } from '../errors.ts';

/** A CSV file as a header and rows of trimmed cells, all rows as wide as the header. */
export interface CsvTable {
  /** The file name used in messages. */
  file: string;
  /** Column names from the header row, trimmed; an empty name becomes `column N` (1-based). */
  columns: string[];
  /** The data rows, each with `columns.length` trimmed cells. Blank lines are left out. */
  rows: string[][];
  /**
   * The row number of each data row as a spreadsheet shows it: the header is row 1,
   * so the first data row is row 2. Blank lines count, so numbers match the file.
   */
  rowNumbers: number[];
  /** The delimiter used (detected unless given). */
  delimiter: string;
}

/** Options of {@link readCsvTable}. */
export interface ReadCsvTableOptions {
  /** Name of the file, for messages and error details. @defaultValue `'CSV text'` */
  file?: string;
  /**
   * The field delimiter; empty means detect it among `,` `;` tab and `|` from the
   * first rows. @defaultValue `''`
   */
  delimiter?: string;
}

/**
 * Parses `text` (CSV with a header row) into a {@link CsvTable}. Quoted fields may hold
 * delimiters, doubled quotes and line breaks. A row number counts records, so it equals
 * the line number unless a quoted field spans lines.
 *
 * @throws {TrainerError} `DATA_EMPTY` when there is no header or no data row;
 *   `DATA_PARSE` on an unterminated or stray quote, or on two columns with the same
 *   name; `DATA_RAGGED` when a row has more or fewer cells than the header.
 */
export function readCsvTable(text: string, options: ReadCsvTableOptions = {}): CsvTable {
  const file = options.file ?? 'CSV text';
  // A UTF-8 byte-order mark (Excel's "CSV UTF-8") would otherwise stick to the first column name.
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (body.trim() === '') {
    throw new TrainerError('DATA_EMPTY', `${file} is empty; expected a header row and at least one data row`, { details: { file } });
  }
  const parsed = Papa.parse<string[]>(body, { header: false, skipEmptyLines: false, delimiter: options.delimiter ?? '' });
  const quoteError = parsed.errors.find((e) => e.type === 'Quotes');
  if (quoteError) {
    const row = (quoteError.row ?? 0) + 1;
    throw new TrainerError(
      'DATA_PARSE',
      `${file} row ${row}: ${quoteError.message.toLowerCase()} (${quoteError.code}); close the quote or double quotes inside a quoted field ("")`,
      { details: { file, row, code: quoteError.code } },
    );
  }
  const records = parsed.data;
  let headerIndex = records.findIndex((r) => !isBlank(r));
  if (headerIndex < 0) {
    throw new TrainerError('DATA_EMPTY', `${file} holds no values; expected a header row and at least one data row`, { details: { file } });
  }
  const header = records[headerIndex];
  const columns = header.map((name, i) => name.trim() || `column ${i + 1}`);
  const seen = new Map<string, number>();
  columns.forEach((name, i) => {
    const first = seen.get(name);
    if (first !== undefined) {
      throw new TrainerError(
        'DATA_PARSE',
        `${file} row ${headerIndex + 1}: columns ${first + 1} and ${i + 1} are both named "${name}"; rename one so every column can be told apart`,
        { details: { file, row: headerIndex + 1, column: name } },
      );
    }
    seen.set(name, i);
  });

  const rows: string[][] = [];
  const rowNumbers: number[] = [];
  for (let r = ++headerIndex; r < records.length; r++) {
    const record = records[r];
    if (isBlank(record)) continue;
    if (record.length !== columns.length) {
      throw new TrainerError(
        'DATA_RAGGED',
        `${file} row ${r + 1} has ${record.length} cell(s) but the header has ${columns.length} column(s); ` +
          `add or remove cells so every row matches the header, or quote values that contain "${parsed.meta.delimiter}"`,
        { details: { file, row: r + 1, expected: columns.length, actual: record.length } },
      );
    }
    rows.push(record.map((cell) => cell.trim()));
    rowNumbers.push(r + 1);
  }
  if (rows.length === 0) {
    throw new TrainerError('DATA_EMPTY', `${file} has a header row (${columns.join(', ')}) but no data rows; add at least one row of values`, {
      details: { file, columns },
    });
  }
  return { file, columns, rows, rowNumbers, delimiter: parsed.meta.delimiter };
}

/** A blank line parses as one empty (or whitespace-only) cell. */
function isBlank(record: string[]): boolean {
  return record.length === 1 && record[0].trim() === '';
}
