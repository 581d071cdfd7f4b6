/**
 * `audit.get`: a page of the audit trail, newest first, optionally filtered
 * by type. Before/after snapshots only for AUDIT_READ_FULL.
 *
 * @module
 */
import { queryAudit } from "../../../store/audit.ts";
import { defineEndpoint } from "../../endpoint.ts";
import { object, optional, withDefault } from "../../validate.ts";
import { auditTypes, MAX_PAGE_SIZE, pageArgument, serializeAudit } from "./_audit.ts";

const decode = object({
  p: withDefault(pageArgument("page"), 1),
  ps: withDefault(pageArgument("page_size"), 20),
  enabled_type: optional(auditTypes),
});

/** The declaration. */
export const auditGet = defineEndpoint({
  names: ["audit.get"],
  session: "required",
  permission: { action: "AUDIT_READ", also: ["AUDIT_READ_FULL"] },
  access: "read",
  audit: "failures",
  wiring: false,
  decode,
  handle(ctx, request) {
    const pageSize = Math.min(request.ps, MAX_PAGE_SIZE);
    const { rows, count } = queryAudit(ctx.store.db, {
      page: request.p,
      pageSize,
      ...(request.enabled_type ? { kinds: request.enabled_type } : {}),
    });
    const full = ctx.can("AUDIT_READ_FULL");
    return {
      meta: { count, total_page: Math.ceil(count / pageSize) },
      data: rows.map((r) => serializeAudit(r, full)),
    };
  },
});
