/**
 * A CSV file as a stream of records, each with the line it starts on:
 * npm `csv-parse` does the parsing (quoted fields, quotes doubled inside
 * them, newlines inside quotes, a UTF-8 byte-order mark); this module picks
 * the separator and keeps the line numbers that row errors name.
 *
 * - The separator is `,` or `;`, chosen from the header line: `;` when the
 *   header has a `;` outside quotes and no `,`, else `,`.
 * - Blank lines are skipped (their numbers still count).
 * - A record longer than {@linkcode MAX_RECORD_CHARS} characters, or bad
 *   quoting, ends the stream with a {@linkcode CsvSyntaxError} naming the line.
 *
 * @module
 */
import { Readable } from "node:stream";
import { type Info, Parser } from "csv-parse";

/** Longest record accepted, in characters. */
export const MAX_RECORD_CHARS = 64 * 1024;
/** Most fields in one record. */
export const MAX_FIELDS = 256;

/** One record and the line (1-based) it starts on. */
export interface CsvRecord {
  line: number;
  fields: string[];
}

/** The file is not CSV the parser can read: the line and what is wrong. */
export class CsvSyntaxError extends Error {
  /** Line where the parser stopped. */
  readonly line: number;

  /** An error naming the line. */
  constructor(line: number, message: string, options?: ErrorOptions) {
    super(`line ${line}: ${message}`, options);
    this.name = "CsvSyntaxError";
    this.line = line;
  }
}

/** Bytes or text chunks of a CSV file. */
export type CsvSource = AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>;

/**
 * The records of a CSV file, streaming (memory stays bounded by a chunk and
 * a record).
 *
 * @throws {CsvSyntaxError} while iterating, on bad quoting or an oversized record.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readCsvRecords } from "./csv_records.ts";
 * const records = [];
 * for await (const r of readCsvRecords(["\ufeffa;b\n1;\"x\ny\"\n\n3;4\n"])) records.push(r);
 * assert.deepEqual(records, [
 *   { line: 1, fields: ["a", "b"] },
 *   { line: 2, fields: ["1", "x\ny"] },
 *   { line: 5, fields: ["3", "4"] },
 * ]);
 * ```
 */
export async function* readCsvRecords(source: CsvSource): AsyncGenerator<CsvRecord> {
  const { head, rest } = await headOf(source);
  const parser = new Parser({
    bom: true,
    delimiter: separatorOf(head),
    info: true,
    relax_column_count: true,
    skip_empty_lines: true,
    max_record_size: MAX_RECORD_CHARS,
  });
  const input = Readable.from(rest, { objectMode: false });
  input.on("error", (error) => parser.destroy(error));
  input.pipe(parser);
  let lastLine = 0;
  let lastEmpty = 0;
  try {
    for await (const item of parser as AsyncIterable<{ record: string[]; info: Info }>) {
      const { record, info } = item;
      const start = lastLine + 1 + (info.empty_lines - lastEmpty);
      lastLine = info.lines;
      lastEmpty = info.empty_lines;
      if (record.length > MAX_FIELDS) {
        throw new CsvSyntaxError(start, `more than ${MAX_FIELDS} fields`);
      }
      yield { line: start, fields: record };
    }
  } catch (error) {
    if (error instanceof CsvSyntaxError) throw error;
    const line = typeof (error as { lines?: unknown }).lines === "number"
      ? (error as { lines: number }).lines
      : lastLine + 1;
    const message = error instanceof Error ? error.message : String(error);
    throw new CsvSyntaxError(line, message.replace(/ at line \d+/, ""), { cause: error });
  } finally {
    input.destroy();
    parser.destroy();
  }
}

/** Text of the first line (without a BOM), read ahead; `rest` replays everything. */
async function headOf(
  source: CsvSource,
): Promise<{ head: string; rest: AsyncIterable<Uint8Array | string> }> {
  const iterator = Symbol.asyncIterator in source
    ? source[Symbol.asyncIterator]()
    : (source as Iterable<Uint8Array | string>)[Symbol.iterator]();
  const taken: (Uint8Array | string)[] = [];
  const decoder = new TextDecoder();
  let head = "";
  let done = false;
  while (!head.includes("\n") && head.length < MAX_RECORD_CHARS) {
    const next = await iterator.next();
    if (next.done) {
      done = true;
      break;
    }
    taken.push(next.value);
    head += typeof next.value === "string"
      ? next.value
      : decoder.decode(next.value, { stream: true });
  }
  async function* rest(): AsyncGenerator<Uint8Array | string> {
    yield* taken;
    if (done) return;
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      yield next.value;
    }
  }
  return { head: head.replace(/^\ufeff/, "").split(/\r?\n/, 1)[0] ?? "", rest: rest() };
}

/** `;` when the header line has a `;` outside quotes and no `,`; else `,`. */
export function separatorOf(headerLine: string): "," | ";" {
  const unquoted = headerLine.replace(/"[^"]*"/g, "");
  return unquoted.includes(";") && !unquoted.includes(",") ? ";" : ",";
}
