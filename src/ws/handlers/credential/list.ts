/**
 * `credential.list` (our extension; Leosac clients never send it): one page
 * of cards and PINs found by what was typed (alias, card number,
 * facility/number, hex card id: see `src/store/search.ts`), by id, optionally
 * only those of `owner_id`. From viewer rank every credential; below, only
 * the caller's own. Items are `credential.read`'s resources; `meta.owners`
 * maps each owner's id to its username (the list shows names without
 * reading every user).
 *
 * @module
 */
import { searchCredentialsPage } from "../../../store/search.ts";
import { getUser } from "../../../store/users.ts";
import { defineEndpoint } from "../../endpoint.ts";
import { id, object, optional } from "../../validate.ts";
import { runSearch, searchFields, searchQuery } from "../search/_paged.ts";
import { serializeCredential } from "./_credential.ts";

const decode = object({ ...searchFields, owner_id: optional(id) });

/** The declaration. */
export const credentialList = defineEndpoint({
  names: ["credential.list"],
  session: "required",
  permission: { action: "CREDENTIAL_LIST_ALL", byHandler: true, also: ["SCHEDULE_READ"] },
  access: "read",
  audit: "failures",
  wiring: false,
  decode,
  handle(ctx, request) {
    const self = ctx.session.actor!.userId;
    const all = ctx.can("CREDENTIAL_LIST_ALL");
    // Below viewer only one's own: another owner_id finds nothing.
    const owner = all ? request.owner_id : request.owner_id ?? self;
    if (!all && owner !== self) return { data: [], meta: { next: null, owners: {} } };
    const db = ctx.store.db;
    const page = runSearch(() => searchCredentialsPage(db, searchQuery(request), owner));
    const owners: Record<string, string> = {};
    for (const c of page.rows) {
      if (c.ownerId !== null && !(c.ownerId in owners)) {
        owners[c.ownerId] = getUser(db, c.ownerId)?.username ?? "";
      }
    }
    return {
      data: page.rows.map((c) => serializeCredential(ctx, c)),
      meta: { next: page.next, owners },
    };
  },
});
