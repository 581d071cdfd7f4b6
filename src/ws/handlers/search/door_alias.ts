/**
 * `search.door_alias`: doors the caller may read (mapped to them, or all from viewer up), whose name contains `partial_name`.
 *
 * @module
 */
import { searchDoors } from "../../../store/doors.ts";
import { defineEndpoint } from "../../endpoint.ts";
import { partialNameRequest } from "./_search.ts";

/** The declaration. */
export const searchDoorAlias = defineEndpoint({
  names: ["search.door_alias"],
  session: "required",
  permission: { action: "DOOR_LIST_ALL", byHandler: true, also: ["DOOR_READ"] },
  access: "read",
  audit: "failures",
  wiring: false,
  decode: partialNameRequest,
  handle(ctx, { partial_name }) {
    const all = ctx.can("DOOR_LIST_ALL");
    return searchDoors(ctx.store.db, partial_name)
      .filter((d) => all || ctx.can("DOOR_READ", { doorId: d.id }))
      .map((d) => ({ id: d.id, alias: d.alias }));
  },
});
