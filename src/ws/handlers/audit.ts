/**
 * `audit.get`, `get_logs`, `restart` and Leosac's update-management calls.
 *
 * @module
 */
import { BadRequestError, NotFoundError, STATUS } from "../../errors.ts";
import { AUDIT_KIND, type AuditRecord, queryAudit } from "../../store/audit.ts";
import { type Endpoint, endpoint, type RequestContext } from "../context.ts";
import { any, ignored, int, object, optional, str, withDefault } from "../validate.ts";
import { prepared } from "../../store/db.ts";

/** Largest audit or log page. */
export const MAX_PAGE_SIZE = 1000;

/** Audit kind → JSON:API type, and the type of its `target`. */
const AUDIT_TYPES: Record<string, { type: string; target?: string }> = {
  [AUDIT_KIND.WSAPI_CALL]: { type: "audit-wsapicall-event" },
  [AUDIT_KIND.USER]: { type: "audit-user-event", target: "user" },
  [AUDIT_KIND.GROUP]: { type: "audit-group-event", target: "group" },
  [AUDIT_KIND.USER_GROUP_MEMBERSHIP]: { type: "audit-user-group-membership-event" },
  [AUDIT_KIND.CREDENTIAL]: { type: "audit-credential-event", target: "credential" },
  [AUDIT_KIND.SCHEDULE]: { type: "audit-schedule-event", target: "schedule" },
  [AUDIT_KIND.DOOR]: { type: "audit-door-event", target: "door" },
  [AUDIT_KIND.ZONE]: { type: "audit-zone-event", target: "zone" },
  [AUDIT_KIND.UPDATE]: { type: "audit-update-event", target: "update" },
  [AUDIT_KIND.AUTH]: { type: "audit-auth-event" },
  [AUDIT_KIND.ACCESS_POINT]: { type: "audit-access-point-event", target: "access-point" },
  [AUDIT_KIND.HOLIDAY]: { type: "audit-holiday-event", target: "holiday" },
  [AUDIT_KIND.DEVICE]: { type: "audit-device-event", target: "device" },
  [AUDIT_KIND.ALARM]: { type: "audit-alarm-event", target: "door" },
};

function pretty(value: unknown): string {
  return value === null || value === undefined ? "" : JSON.stringify(value, null, 4);
}

/** Serialises one audit row in Leosac's shape (relationships as one-element arrays). */
export function serializeAudit(record: AuditRecord, full: boolean): Record<string, unknown> {
  const info = AUDIT_TYPES[record.kind] ?? { type: "audit-event" };
  const attributes: Record<string, unknown> = {
    "event-mask": record.mask,
    timestamp: Math.floor(record.timestamp / 1000),
    description: record.description,
    finalized: true,
  };
  const relationships: Record<string, unknown> = {};
  if (record.authorId !== null) {
    relationships.author = { data: { id: record.authorId, type: "user" } };
  }
  const data = record.data;
  if (record.kind === AUDIT_KIND.WSAPI_CALL) {
    attributes.uuid = data.uuid ?? "";
    attributes.method = data.method ?? "";
    attributes["status-code"] = data.status_code ?? 0;
    attributes["status-string"] = data.status_string ?? "";
    attributes["source-endpoint"] = data.source_endpoint ?? "";
  } else if (record.kind === AUDIT_KIND.USER_GROUP_MEMBERSHIP) {
    if (record.targetId !== null) {
      relationships["target-user"] = [{ id: record.targetId, type: "user" }];
    }
    if (record.target2Id !== null) {
      relationships["target-group"] = [{ id: record.target2Id, type: "group" }];
    }
  } else if (record.kind === AUDIT_KIND.AUTH) {
    for (const [key, value] of Object.entries(data)) attributes[key.replaceAll("_", "-")] = value;
    if (record.targetId !== null) relationships.credential = [{ id: record.targetId }];
    if (record.target2Id !== null) relationships.door = [{ id: record.target2Id }];
  } else {
    for (const [key, value] of Object.entries(data)) attributes[key.replaceAll("_", "-")] = value;
    if (info.target !== undefined && record.targetId !== null) {
      relationships.target = [{ id: record.targetId, type: info.target }];
    }
    if (full) {
      attributes.before = pretty(record.before);
      attributes.after = pretty(record.after);
    }
  }
  return { id: record.id, type: info.type, attributes, relationships };
}

function pageArgument(name: string, value: number): number {
  if (value <= 0) {
    throw new BadRequestError(
      `Invalid Argument ${name}. Value was ${value}. Condition was ${name} > 0. Friendly ${
        name === "page" ? "Page" : "Page size"
      } must be >0`,
      STATUS.INVALID_ARGUMENT,
    );
  }
  return value;
}

function auditTypes(value: unknown): string[] | undefined {
  if (!Array.isArray(value) || value.length === 0) return undefined;
  return value.slice(0, 64).map((item) => {
    if (typeof item !== "string" || !/^[A-Za-z:]{1,128}$/.test(item)) {
      // Never String() the item: a deeply nested array overflows the stack.
      const shown = typeof item === "string"
        ? item.slice(0, 128)
        : `a value of type ${Array.isArray(item) ? "array" : item === null ? "null" : typeof item}`;
      throw new BadRequestError(`Audit type string is invalid: ${shown}`);
    }
    return item;
  });
}

function getLogs(ctx: RequestContext, request: { p: number; ps: number; sort?: string }): unknown {
  ctx.require("LOG_READ");
  const page = Math.max(0, request.p);
  const pageSize = Math.min(Math.max(1, request.ps), MAX_PAGE_SIZE);
  const db = ctx.deps.store.db;
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
      attributes: { message: r.message, level: r.level, timestamp: Math.floor(r.timestamp / 1000) },
    })),
    meta: { total, last: Math.floor(total / pageSize), first: 0 },
    status: 0,
  };
}

/** The audit and system endpoints, by wire name. */
export const AUDIT_ENDPOINTS: Record<string, Endpoint> = {
  "audit.get": endpoint(
    object({
      p: withDefault(int(), 1),
      ps: withDefault(int(), 20),
      enabled_type: optional(any),
    }),
    {
      auth: "logged_in",
      handle(ctx, request) {
        ctx.require("AUDIT_READ");
        const page = pageArgument("page", request.p);
        const pageSize = Math.min(pageArgument("page_size", request.ps), MAX_PAGE_SIZE);
        const kinds = auditTypes(request.enabled_type);
        const { rows, count } = queryAudit(ctx.deps.store.db, {
          page,
          pageSize,
          ...(kinds ? { kinds } : {}),
        });
        const full = ctx.can("AUDIT_READ_FULL");
        return {
          meta: { count, total_page: Math.ceil(count / pageSize) },
          data: rows.map((r) => serializeAudit(r, full)),
        };
      },
    },
  ),

  get_logs: endpoint(
    object({ p: withDefault(int(), 0), ps: withDefault(int(), 20), sort: optional(str(8)) }),
    { auth: "logged_in", handle: getLogs },
  ),

  restart: endpoint(ignored, {
    auth: "logged_in",
    handle(ctx) {
      ctx.require("RESTART");
      ctx.deps.requestRestart();
      return null;
    },
  }),

  // Leosac's update management: no update backend exists (as in Leosac's
  // open-source tree), so there is never anything to install.
  check_update: endpoint(ignored, {
    auth: "logged_in",
    handle(ctx) {
      ctx.require("UPDATE_MANAGE");
      return [];
    },
  }),
  get_pending_update: endpoint(ignored, {
    auth: "logged_in",
    handle(ctx) {
      ctx.require("UPDATE_MANAGE");
      return { data: [] };
    },
  }),
  get_update_history: endpoint(ignored, {
    auth: "logged_in",
    handle(ctx) {
      ctx.require("UPDATE_MANAGE");
      return { data: [] };
    },
  }),
  create_update: endpoint(object({ descriptor_uuid: str(64) }), {
    auth: "logged_in",
    handle(ctx) {
      ctx.require("UPDATE_MANAGE");
      throw new BadRequestError("UpdateDescriptor doesn't exist anymore.");
    },
  }),
  get_update: endpoint(object({ update_id: int(0) }), {
    auth: "logged_in",
    handle(ctx, { update_id }) {
      ctx.require("UPDATE_MANAGE");
      throw notFoundUpdate(update_id);
    },
  }),
  ack_update: endpoint(object({ update_id: int(0) }), {
    auth: "logged_in",
    handle(ctx, { update_id }) {
      ctx.require("UPDATE_MANAGE");
      throw notFoundUpdate(update_id);
    },
  }),
  cancel_update: endpoint(object({ update_id: int(0) }), {
    auth: "logged_in",
    handle(ctx, { update_id }) {
      ctx.require("UPDATE_MANAGE");
      throw notFoundUpdate(update_id);
    },
  }),
};

function notFoundUpdate(id: number): Error {
  return new NotFoundError("update", id);
}
