/**
 * `password_change`: a user changes their own password (with the current
 * one, a guess on the account for the login limits) or a manager
 * changes another's. The user's other sessions are closed.
 *
 * @module
 */
import { NotFoundError, PermissionDeniedError, ValidationError } from "../../../errors.ts";
import { AUDIT_EVENT, AUDIT_KIND, auditMask } from "../../../store/audit.ts";
import { hashPassword, verifyPassword } from "../../../store/secrets.ts";
import { deleteUserTokens } from "../../../store/tokens.ts";
import { getUser, updateUser } from "../../../store/users.ts";
import { defineEndpoint } from "../../endpoint.ts";
import { userSnapshot } from "../../serialize.ts";
import { id, object, optional, str } from "../../validate.ts";
import { ATTR_POINTER } from "../_entity_attrs.ts";
import { MAX_PASSWORD_LENGTH, rateLimited } from "./_login.ts";

/** The request content. */
const decode = object({
  user_id: id,
  new_password: str(MAX_PASSWORD_LENGTH),
  current_password: optional(str(MAX_PASSWORD_LENGTH)),
});

/** The declaration. */
export const passwordChange = defineEndpoint({
  names: ["password_change"],
  session: "required",
  permission: { action: "USER_CHANGE_PASSWORD", byHandler: true },
  access: "write",
  scope: "site",
  audit: "always",
  wiring: false,
  uses: ["logins", "sessions"],
  decode,
  async handle(ctx, request) {
    const db = ctx.store.db;
    const { logins } = ctx.services;
    const target = getUser(db, request.user_id);
    if (!target) throw new NotFoundError("user", request.user_id);
    const actor = ctx.require("USER_CHANGE_PASSWORD", { userId: target.id, userRank: target.rank });
    const self = actor.userId === target.id;
    if (self) {
      // The current password is a guess on this account (counted before the
      // hash, refused like a login), but it never limits the address.
      const current = request.current_password;
      const attempt = current === undefined ? null : logins.begin(
        { userId: target.id, username: target.username },
        ctx.session.remoteAddress,
        "password_change",
      );
      if (current !== undefined && attempt === null) throw rateLimited();
      let ok = false;
      try {
        ok = current !== undefined && await verifyPassword(current, target.passwordHash);
      } finally {
        if (ok) attempt?.succeed();
        else attempt?.fail();
      }
      if (!ok) {
        ctx.audit({
          kind: AUDIT_KIND.USER,
          mask: auditMask(AUDIT_EVENT.USER_PASSWORD_CHANGE_FAILURE),
          authorId: actor.userId,
          targetId: target.id,
          description: `Password change of user ${target.username} failed: wrong current password.`,
        });
        throw new PermissionDeniedError("Invalid `current_password`.");
      }
    }
    if (request.new_password.length === 0) {
      throw new ValidationError("The password cannot be empty.", ATTR_POINTER + "password");
    }
    const passwordHash = await hashPassword(request.new_password);
    ctx.transaction(() => {
      const after = updateUser(db, target.id, { passwordHash })!;
      deleteUserTokens(db, target.id, self ? ctx.session.tokenHash ?? undefined : undefined);
      ctx.audit({
        kind: AUDIT_KIND.USER,
        mask: auditMask(AUDIT_EVENT.USER_EDITED, AUDIT_EVENT.USER_PASSWORD_CHANGED),
        authorId: actor.userId,
        targetId: target.id,
        description: `Password of user ${target.username} has been changed.`,
        before: userSnapshot(target),
        after: userSnapshot(after),
      });
    });
    for (const other of ctx.services.sessions.sessionsOf(target.id, ctx.session.id)) {
      other.abort("Session cleared.");
    }
    return null;
  },
});
