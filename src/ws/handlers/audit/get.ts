/**
 * `audit.get`: a page of the audit trail, newest first, optionally filtered
 * by type. Before/after snapshots only for AUDIT_READ_FULL.
 *
 * Two modes:
 * - Leosac's: `{p, ps, enabled_type}` → `{meta: {count, total_page}, data}`,
 *   pages by number (OFFSET: slow deep into ten million rows);
 * - keyset (our extension; Leosac clients never send its keys): any of
 *   `after` (the previous page's `meta.next`; `""` for the newest page),
 *   `door_id`, `user_id`, `credential_id`, `from`, `to` (Unix seconds,
 *   `from <= timestamp < to`) selects it. Rows are ordered by time then id,
 *   newest first, `ps` rows a page, filtered by every key given (and
 *   `enabled_type`); the reply is `{meta: {next}, data}` with `next` null on
 *   the last page, and no count (see `src/store/audit_page.ts`).
 *
 * With `site: true` (a controller in a site, `docs/site.md`) the same modes
 * read the site's events (`src/site/event_page.ts`): every controller's,
 * this one's included, each row with `controller` and `origin_id` (its id on
 * that controller, also its `id`); `controller` narrows them to one. Keyset
 * cursors of the two views are not interchangeable. Outside a site,
 * `site: true` is a BAD_REQUEST.
 *
 * @module
 */
import { BadRequestError } from "../../../errors.ts";
import { queryAudit } from "../../../store/audit.ts";
import { queryAuditPage } from "../../../store/audit_page.ts";
import { NAME_PATTERN } from "../../../site/names.ts";
import { querySiteEventPage, querySiteEvents } from "../../../site/event_page.ts";
import { defineEndpoint } from "../../endpoint.ts";
import { bool, type Decoder, id, int, object, optional, str, withDefault } from "../../validate.ts";
import { auditTypes, MAX_PAGE_SIZE, pageArgument, serializeAudit } from "./_audit.ts";

/** Unix seconds accepted by `from` and `to` (years 1970 to 9999). */
const seconds = int(0, 253_402_300_799);

const decode = object({
  p: withDefault(pageArgument("page"), 1),
  ps: withDefault(pageArgument("page_size"), 20),
  enabled_type: optional(auditTypes),
  after: optional(str(64)),
  door_id: optional(id),
  user_id: optional(id),
  credential_id: optional(id),
  from: optional(seconds),
  to: optional(seconds),
  site: optional(bool),
  controller: optional(controllerName()),
});

/** A controller name (letters, digits, `-`, `_`; 1–32 characters). */
function controllerName(): Decoder<string> {
  const text = str(32);
  return (raw, path) => {
    const value = text(raw, path);
    if (!NAME_PATTERN.test(value)) {
      throw new BadRequestError(`${path} is not a controller name: ${JSON.stringify(value)}`);
    }
    return value;
  };
}

/** The declaration. */
export const auditGet = defineEndpoint({
  names: ["audit.get"],
  session: "required",
  permission: { action: "AUDIT_READ", also: ["AUDIT_READ_FULL"] },
  access: "read",
  audit: "failures",
  wiring: false,
  uses: ["site"],
  decode,
  handle(ctx, request) {
    const pageSize = Math.min(request.ps, MAX_PAGE_SIZE);
    const full = ctx.can("AUDIT_READ_FULL");
    const keyset = [request.after, request.door_id, request.user_id, request.credential_id]
      .some((v) => v !== undefined) || request.from !== undefined || request.to !== undefined;
    if (request.site === true) {
      if (ctx.services.site === null) {
        throw new BadRequestError(
          "audit.get with site: true needs a controller in a site (leosac serve --site); " +
            "this one runs alone",
        );
      }
    } else if (request.controller !== undefined) {
      throw new BadRequestError("audit.get: controller is only valid with site: true");
    }
    const site = request.site === true;
    const controller = request.controller === undefined ? {} : { controller: request.controller };
    if (keyset) {
      let page;
      try {
        const query = {
          limit: pageSize,
          ...(request.after ? { after: request.after } : {}),
          ...(request.enabled_type ? { kinds: request.enabled_type } : {}),
          ...(request.door_id === undefined ? {} : { doorId: request.door_id }),
          ...(request.user_id === undefined ? {} : { userId: request.user_id }),
          ...(request.credential_id === undefined ? {} : { credentialId: request.credential_id }),
          ...(request.from === undefined ? {} : { fromMs: request.from * 1000 }),
          ...(request.to === undefined ? {} : { toMs: request.to * 1000 }),
        };
        page = site
          ? querySiteEventPage(ctx.store.db, { ...query, ...controller }, full)
          : queryAuditPage(ctx.store.db, query);
      } catch (error) {
        if (error instanceof RangeError) throw new BadRequestError(error.message);
        throw error;
      }
      return {
        meta: { next: page.next },
        data: page.rows.map((r) => "origin_id" in r ? r : serializeAudit(r, full)),
      };
    }
    if (site) {
      const { rows, count } = querySiteEvents(ctx.store.db, {
        page: request.p,
        pageSize,
        ...(request.enabled_type ? { kinds: request.enabled_type } : {}),
        ...controller,
      }, full);
      return { meta: { count, total_page: Math.ceil(count / pageSize) }, data: rows };
    }
    const { rows, count } = queryAudit(ctx.store.db, {
      page: request.p,
      pageSize,
      ...(request.enabled_type ? { kinds: request.enabled_type } : {}),
    });
    return {
      meta: { count, total_page: Math.ceil(count / pageSize) },
      data: rows.map((r) => serializeAudit(r, full)),
    };
  },
});
