/**
 * `people.import` (ours): the people CSV of `leosac import people`, sent
 * whole by the People page: `{csv, dry_run?, ignore_unknown_columns?}`.
 * Administrators only.
 *
 * The reply is the plan (`dry_run: true`, the default: a preview) or what
 * was done: counts, the groups to create, the first changes and the first
 * row errors, each naming its line and column. With an error nothing is
 * written. The write is one transaction with one audit row, so an upload is
 * all or nothing even against concurrent edits.
 *
 * A frame holds at most 1 MiB, so `csv` is at most {@linkcode MAX_CSV_CHARS}
 * characters (about 8,000 people): larger files go through the command line
 * (`leosac import people FILE.csv`), which streams them.
 *
 * @module
 */
import { CsvSyntaxError } from "../../../people/csv_records.ts";
import { importPeople, type ImportReport, planSummary } from "../../../people/import_people.ts";
import { defineEndpoint } from "../../endpoint.ts";
import { bool, object, str, withDefault } from "../../validate.ts";

/** Longest `csv` accepted (the frame limit is 1 MiB, the envelope included). */
export const MAX_CSV_CHARS = 1_000_000;

const decode = object({
  csv: str(MAX_CSV_CHARS),
  dry_run: withDefault(bool, true),
  ignore_unknown_columns: withDefault(bool, false),
});

/** The declaration. */
export const peopleImport = defineEndpoint({
  names: ["people.import"],
  session: "required",
  permission: { action: "PEOPLE_IMPORT" },
  access: "write",
  scope: "site",
  audit: "always",
  wiring: false,
  decode,
  async handle(ctx, request) {
    const actor = ctx.require("PEOPLE_IMPORT");
    const { db, secret } = ctx.store;
    let report: ImportReport;
    try {
      report = await importPeople(() => [request.csv], {
        db,
        secret,
        transaction: (fn) => ctx.transaction(fn),
        audit: (entry) => ctx.audit(entry),
        authorId: actor.userId,
        sourceName: `an upload on the People page (${request.csv.length} characters)`,
      }, {
        now: ctx.now,
        dryRun: request.dry_run,
        ignoreUnknownColumns: request.ignore_unknown_columns,
        batchRows: Infinity,
      });
    } catch (error) {
      if (!(error instanceof CsvSyntaxError)) throw error;
      return {
        applied: false,
        summary: "",
        errors: [{
          line: error.line,
          column: null,
          message: error.message.replace(/^line \d+: /, ""),
        }],
        error_count: 1,
      };
    }
    return {
      applied: report.applied,
      summary: planSummary(report, report.applied),
      rows: report.rows,
      add: report.add,
      update: report.update,
      unchanged: report.unchanged,
      cards_add: report.cardsAdd,
      cards_assign: report.cardsAssign,
      pins: report.pins,
      memberships: report.memberships,
      groups_to_create: report.groupsToCreate,
      ignored_columns: report.ignoredColumns,
      preview: report.preview,
      // A row that a concurrent change made invalid between the check and the write
      // (the one transaction was rolled back): reported as the file's error.
      errors: report.stopped === null ? report.errors : [report.stopped],
      error_count: report.stopped === null ? report.errorCount : 1,
    };
  },
});
