/**
 * `user.update` (Leosac §7.2): changes the attributes sent. Changing the
 * rank, the validity or another user's password each takes its own
 * permission; your own password goes through `password_change`. The last
 * usable administrator cannot lose the rank or be disabled. Sessions of a
 * user whose password, validity or rank changed for the worse are closed.
 *
 * @module
 */
import { AppError, PermissionDeniedError, STATUS, ValidationError } from "../../../errors.ts";
import { AUDIT_EVENT, AUDIT_KIND, auditMask } from "../../../store/audit.ts";
import { hashPassword } from "../../../store/secrets.ts";
import { deleteUserTokens } from "../../../store/tokens.ts";
import {
  countUsableUsersWithRank,
  updateUser,
  USER_RANK,
  type UserPatch,
} from "../../../store/users.ts";
import { isValidAt, type Validity } from "../../../policy/validity.ts";
import { defineEndpoint } from "../../endpoint.ts";
import { userSnapshot } from "../../serialize.ts";
import { id, object } from "../../validate.ts";
import { applyValidity, ATTR_POINTER, checkVersion, withVersion } from "../_entity_attrs.ts";
import { findUser, userAttributes } from "./_user.ts";

/** The request content. */
const decode = withVersion(object({ user_id: id, attributes: userAttributes }), "attributes");

function sameValidity(a: Validity, b: Validity): boolean {
  return a.enabled === b.enabled && a.start === b.start && a.end === b.end;
}

/** The declaration. */
export const userUpdate = defineEndpoint({
  names: ["user.update"],
  session: "required",
  permission: {
    action: "USER_UPDATE",
    byHandler: true,
    also: [
      "USER_UPDATE_RANK",
      "USER_GRANT_HIGH_RANK",
      "USER_MANAGE_VALIDITY",
      "USER_CHANGE_PASSWORD",
    ],
  },
  access: "write",
  scope: "site",
  audit: "always",
  wiring: false,
  uses: ["sessions"],
  decode,
  async handle(ctx, { user_id, attributes, version }) {
    const db = ctx.store.db;
    const user = findUser(db, user_id);
    const target = { userId: user.id, userRank: user.rank };
    const actor = ctx.require("USER_UPDATE", target);
    const { firstname, lastname, email, rank } = attributes;
    const patch: UserPatch = {
      ...(firstname !== undefined ? { firstname } : {}),
      ...(lastname !== undefined ? { lastname } : {}),
      ...(email !== undefined ? { email } : {}),
    };
    if (rank !== undefined && rank !== user.rank) {
      ctx.require("USER_UPDATE_RANK", target);
      if (rank >= USER_RANK.MANAGER || user.rank >= USER_RANK.MANAGER) {
        ctx.require("USER_GRANT_HIGH_RANK");
      }
      patch.rank = rank;
    }
    const validity = attributes.validity === undefined
      ? undefined
      : applyValidity(user.validity, attributes.validity);
    if (validity !== undefined && !sameValidity(validity, user.validity)) {
      if (actor.userId === user.id && !validity.enabled) {
        throw new AppError(
          STATUS.GENERAL_FAILURE,
          "LEOSACException",
          "You cannot disable your own user account.",
        );
      }
      ctx.require("USER_MANAGE_VALIDITY", target);
      patch.validity = validity;
    }
    if (attributes.password !== undefined) {
      if (actor.userId === user.id) {
        throw new PermissionDeniedError("use password_change to change your own password.");
      }
      ctx.require("USER_CHANGE_PASSWORD", target);
      patch.passwordHash = await hashPassword(attributes.password);
    }
    const passwordChanged = patch.passwordHash !== undefined;
    ctx.transaction(() => {
      checkVersion(db, "user", user.id, version);
      // Some other administrator must still be able to log in afterwards.
      const losesAdmin = user.rank === USER_RANK.ADMIN &&
        ((patch.rank !== undefined && patch.rank < USER_RANK.ADMIN) ||
          (patch.validity !== undefined && !isValidAt(patch.validity, ctx.now)));
      if (losesAdmin && countUsableUsersWithRank(db, USER_RANK.ADMIN, ctx.now, user.id) === 0) {
        throw new ValidationError(
          "The last usable administrator cannot lose the rank or be disabled.",
          ATTR_POINTER + (patch.rank !== undefined ? "rank" : "validity-enabled"),
        );
      }
      const after = updateUser(db, user.id, patch)!;
      if (passwordChanged) deleteUserTokens(db, user.id);
      ctx.audit({
        kind: AUDIT_KIND.USER,
        mask: auditMask(
          AUDIT_EVENT.USER_EDITED,
          ...(passwordChanged ? [AUDIT_EVENT.USER_PASSWORD_CHANGED] : []),
        ),
        authorId: actor.userId,
        targetId: user.id,
        description: `User ${user.username} has been edited.`,
        before: userSnapshot(user),
        after: userSnapshot(after),
      });
    });
    const after = { ...user, ...patch };
    let reason: string | null = null;
    if (passwordChanged) reason = "Session cleared.";
    else if (!isValidAt(after.validity, ctx.now)) reason = "User account disabled.";
    else if (after.rank < user.rank) reason = "User rank changed.";
    if (reason !== null) {
      for (const s of ctx.services.sessions.sessionsOf(user.id, ctx.session.id)) s.abort(reason);
    }
    return null;
  },
});
