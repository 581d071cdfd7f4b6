/**
 * Export files of audit rows removed by retention, and their verification.
 *
 * One file per chain and retention pass, in `DATA_DIR/audit-export/`, named
 * `audit-<YYYY-MM-DD>-<chain>-<first id>-<last id>.jsonl.gz` (the date of the
 * export, UTC), mode 0600. A file is gzip (several members, one per chunk
 * of rows; `zcat` and `gunzip` read them as one stream) of JSON lines:
 *
 * 1. a header: `{"leosac_audit_export":1,"chain":"other","after":{"id":…,"hash":…},
 *    "first_id":…,"last_id":…,"rows":…,"exported_at":…}`; `after` is the row
 *    the first exported row follows (the chain's anchor before the removal);
 * 2. one line per row: the stored columns as SQLite holds them (`before`,
 *    `after` and `data` as their JSON text), the hash in hex. Each row's hash
 *    can be recomputed from the file alone, so a file verifies on its own and
 *    the `after` of the next file of a chain is the last hash of this one.
 *
 * A file is written under a temporary name, fsynced, renamed, and the
 * directory fsynced: it is complete before any of its rows is deleted. Files
 * are never rewritten. A crash after the export and before the delete leaves
 * rows that the next pass exports again (the same rows, maybe in a larger
 * range): exports may overlap, never miss a row.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { gunzipSync, gzipSync } from "node:zlib";
import { join } from "node:path";
import { CHAINED_COLUMNS, type ChainedRow, storedHashHex } from "./audit_chain.ts";
import type { AuditChain } from "./audit_chain.ts";
import { type ChainPoint, type ChainReport, ChainWalker } from "./audit_verify.ts";

/** The directory, inside the data directory, that holds export files. */
export const AUDIT_EXPORT_DIR = "audit-export";

/** The first line of an export file. */
export interface ExportHeader {
  leosac_audit_export: 1;
  chain: AuditChain;
  /** The row the first exported row follows. */
  after: ChainPoint;
  first_id: number;
  last_id: number;
  rows: number;
  /** Unix ms. */
  exported_at: number;
}

/** The file name of an export (see the module documentation). */
export function exportFileName(header: ExportHeader): string {
  const date = new Date(header.exported_at).toISOString().slice(0, 10);
  return `audit-${date}-${header.chain}-${header.first_id}-${header.last_id}.jsonl.gz`;
}

/** One stored row as an export line (the hash in hex). */
export function exportLine(row: Record<string, unknown>): string {
  const line: Record<string, unknown> = {};
  for (const column of CHAINED_COLUMNS) line[column] = row[column] ?? null;
  line.hash = storedHashHex(row.hash);
  return JSON.stringify(line);
}

/** An export file being written: chunks appended, then {@linkcode ExportWriter.finish}. */
export class ExportWriter {
  readonly #file: Deno.FsFile;
  readonly #partial: string;
  readonly #final: string;
  readonly #dir: string;
  #done = false;

  /** Creates the directory (0700) if needed and the file under a temporary name (0600). */
  constructor(dir: string, header: ExportHeader) {
    Deno.mkdirSync(dir, { recursive: true, mode: 0o700 });
    this.#dir = dir;
    this.#final = join(dir, exportFileName(header));
    this.#partial = join(dir, `.${exportFileName(header)}.${crypto.randomUUID()}.partial`);
    this.#file = Deno.openSync(this.#partial, { write: true, createNew: true, mode: 0o600 });
    try {
      this.append([JSON.stringify(header)]);
    } catch (error) {
      this.abort();
      throw error;
    }
  }

  /** Appends lines as one gzip member. */
  append(lines: readonly string[]): void {
    const member = gzipSync(Buffer.from(lines.join("\n") + "\n"));
    let written = 0;
    while (written < member.length) written += this.#file.writeSync(member.subarray(written));
  }

  /** Fsyncs the file, gives it its name, fsyncs the directory; returns the path. */
  finish(): string {
    this.#file.syncSync();
    this.#file.close();
    this.#done = true;
    Deno.renameSync(this.#partial, this.#final);
    const dir = Deno.openSync(this.#dir, { read: true });
    try {
      dir.syncSync();
    } finally {
      dir.close();
    }
    return this.#final;
  }

  /** Closes and removes an unfinished file. */
  abort(): void {
    if (this.#done) return;
    this.#done = true;
    try {
      this.#file.close();
    } finally {
      Deno.removeSync(this.#partial);
    }
  }
}

/** What {@linkcode verifyExportFile} found. */
export type ExportReport =
  | { ok: true; header: ExportHeader; head: ChainPoint; rows: number }
  | { ok: false; rowId: number | null; problem: string };

/**
 * Reads an export file and walks its chain from its header's `after`.
 *
 * @throws {Error} when the file cannot be read.
 */
export function verifyExportFile(path: string): ExportReport {
  let text: string;
  try {
    text = gunzipSync(Deno.readFileSync(path)).toString("utf8");
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) throw error;
    return { ok: false, rowId: null, problem: `not a gzip file: ${String(error)}` };
  }
  const lines = text.split("\n");
  if (lines.at(-1) === "") lines.pop();
  let header: ExportHeader;
  try {
    header = JSON.parse(lines[0] ?? "null");
  } catch {
    return { ok: false, rowId: null, problem: "the first line is not a JSON header" };
  }
  if (
    header?.leosac_audit_export !== 1 || (header.chain !== "access" && header.chain !== "other")
  ) {
    return {
      ok: false,
      rowId: null,
      problem: "the first line is not a Leosac audit export header",
    };
  }
  const walker = new ChainWalker({ [header.chain]: header.after });
  for (const [i, line] of lines.slice(1).entries()) {
    let row: ChainedRow & { hash: unknown };
    try {
      row = JSON.parse(line);
    } catch {
      return { ok: false, rowId: null, problem: `line ${i + 2} is not JSON` };
    }
    const stored = typeof row.hash === "string" ? Buffer.from(row.hash, "hex") : null;
    if (!walker.add({ ...row, hash: stored && stored.length === 32 ? stored : null })) break;
  }
  return summarize(walker.report(), header);
}

function summarize(report: ChainReport, header: ExportHeader): ExportReport {
  if (!report.ok) return { ok: false, rowId: report.rowId, problem: report.problem };
  const chain = report.chains[header.chain];
  if (report.rows !== chain.rows) {
    return { ok: false, rowId: null, problem: `the file mixes chains (header: ${header.chain})` };
  }
  if (
    report.rows !== header.rows || report.firstId !== header.first_id ||
    report.lastId !== header.last_id
  ) {
    return {
      ok: false,
      rowId: null,
      problem:
        `the header announces ${header.rows} rows, ids ${header.first_id}..${header.last_id}; ` +
        `the file holds ${report.rows}, ids ${report.firstId}..${report.lastId}: rows were removed or added`,
    };
  }
  return { ok: true, header, head: chain.head, rows: report.rows };
}
