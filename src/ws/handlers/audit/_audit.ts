/**
 * What `audit.get` and `get_logs` share: Leosac's JSON:API shape of an audit
 * row, the page arguments and the audit type filter.
 *
 * @module
 */
import { BadRequestError, STATUS } from "../../../errors.ts";
import { AUDIT_KIND, type AuditRecord } from "../../../store/audit.ts";
import { type Decoder, int } from "../../validate.ts";

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

/** A page number or size, which must be positive (Leosac's INVALID_ARGUMENT otherwise). */
export function pageArgument(name: "page" | "page_size"): Decoder<number> {
  const integer = int();
  return (raw, path) => positive(name, integer(raw, path));
}

function positive(name: string, value: number): number {
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

/** The `enabled_type` filter: audit type names, or undefined for every type. */
export function auditTypes(value: unknown): string[] | undefined {
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
