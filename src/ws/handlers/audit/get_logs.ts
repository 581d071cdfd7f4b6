/**
 * `get_logs`: a page of the server's log messages.
 *
 * @module
 */
import { prepared } from "../../../store/db.ts";
import { defineEndpoint } from "../../endpoint.ts";
import { int, object, optional, str, withDefault } from "../../validate.ts";
import { MAX_PAGE_SIZE } from "./_audit.ts";

const decode = object({
  p: withDefault(int(), 0),
  ps: withDefault(int(), 20),
  sort: optional(str(8)),
});

/** The declaration. */
export const getLogs = defineEndpoint({
  names: ["get_logs"],
  session: "required",
  permission: { action: "LOG_READ" },
  access: "read",
  audit: "failures",
  wiring: false,
  decode,
  handle(ctx, request) {
    const page = Math.max(0, request.p);
    const pageSize = Math.min(Math.max(1, request.ps), MAX_PAGE_SIZE);
    const db = ctx.store.db;
    const total = (prepared(db, "SELECT count(*) AS n FROM log_messages").get() as { n: number }).n;
    const order = request.sort === "asc" ? "ASC" : "DESC";
    const rows = prepared(
      db,
      `SELECT id, timestamp, level, message FROM log_messages ORDER BY id ${order} LIMIT ? OFFSET ?`,
    ).all(pageSize, page * pageSize) as Array<
      { id: number; timestamp: number; level: string; message: string }
    >;
    return {
      data: rows.map((r) => ({
        id: r.id,
        type: "log-message",
        attributes: {
          message: r.message,
          level: r.level,
          timestamp: Math.floor(r.timestamp / 1000),
        },
      })),
      meta: { total, last: Math.floor(total / pageSize), first: 0 },
      status: 0,
    };
  },
});
