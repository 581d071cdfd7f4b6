/**
 * `user.delete` (Leosac §7.2). The last usable administrator cannot be
 * deleted. The user's credentials outlive them (ownerless) but are disabled,
 * and the user's sessions are closed.
 *
 * @module
 */
import { ValidationError } from "../../../errors.ts";
import { AUDIT_EVENT, AUDIT_KIND, auditMask } from "../../../store/audit.ts";
import { listCredentialsOfUser, updateCredential } from "../../../store/credentials.ts";
import { countUsableUsersWithRank, deleteUser, USER_RANK } from "../../../store/users.ts";
import { defineEndpoint } from "../../endpoint.ts";
import { userSnapshot } from "../../serialize.ts";
import { id, object } from "../../validate.ts";
import { findUser } from "./_user.ts";
import { checkVersion, withVersion } from "../_entity_attrs.ts";

/** The request content. */
const decode = withVersion(object({ user_id: id }), "content");

/** The declaration. */
export const userDelete = defineEndpoint({
  names: ["user.delete"],
  session: "required",
  permission: { action: "USER_DELETE", byHandler: true },
  access: "write",
  scope: "site",
  audit: "always",
  wiring: false,
  uses: ["sessions"],
  decode,
  handle(ctx, { user_id, version }) {
    const db = ctx.store.db;
    const user = findUser(db, user_id);
    const actor = ctx.require("USER_DELETE", { userId: user.id, userRank: user.rank });
    ctx.transaction(() => {
      checkVersion(db, "user", user.id, version);
      if (
        user.rank === USER_RANK.ADMIN &&
        countUsableUsersWithRank(db, USER_RANK.ADMIN, ctx.now, user.id) === 0
      ) {
        throw new ValidationError("The last usable administrator cannot be deleted.", "");
      }
      // The credentials outlive their owner (owner_id becomes NULL) so they
      // can be handed to someone else, but an ownerless card still opens the
      // doors mapped to the card itself: disable them, or a deleted user's
      // card would keep working.
      const disabled = listCredentialsOfUser(db, user.id).filter((c) => c.validity.enabled);
      for (const c of disabled) {
        updateCredential(db, c.id, { validity: { ...c.validity, enabled: false } });
      }
      deleteUser(db, user.id);
      ctx.audit({
        kind: AUDIT_KIND.USER,
        mask: auditMask(
          AUDIT_EVENT.USER_DELETED,
          ...(disabled.length > 0 ? [AUDIT_EVENT.CREDENTIAL_UPDATED] : []),
        ),
        authorId: actor.userId,
        targetId: user.id,
        description: `User ${user.username} has been deleted.${
          disabled.length > 0
            ? ` Credentials disabled: ${disabled.map((c) => c.id).join(", ")}.`
            : ""
        }`,
        before: userSnapshot(user),
      });
    });
    for (const s of ctx.services.sessions.sessionsOf(user.id)) s.abort("User account deleted.");
    return null;
  },
});
