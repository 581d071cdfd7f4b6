/**
 * `search.credential_alias`: credentials the caller may read (their own, or all from viewer up), whose name contains `partial_name`.
 *
 * @module
 */
import { searchCredentials } from "../../../store/credentials.ts";
import { defineEndpoint } from "../../endpoint.ts";
import { partialNameRequest } from "./_search.ts";

/** The declaration. */
export const searchCredentialAlias = defineEndpoint({
  names: ["search.credential_alias"],
  session: "required",
  permission: { action: "CREDENTIAL_LIST_ALL", byHandler: true, also: ["CREDENTIAL_READ"] },
  access: "read",
  audit: "failures",
  wiring: false,
  decode: partialNameRequest,
  handle(ctx, { partial_name }) {
    const all = ctx.can("CREDENTIAL_LIST_ALL");
    return searchCredentials(ctx.store.db, partial_name)
      .filter((c) => all || ctx.can("CREDENTIAL_READ", { credentialId: c.id }))
      .map((c) => ({ id: c.id, alias: c.alias, type: c.type }));
  },
});
