/**
 * `user.create` (Leosac §7.2): a new account. Granting manager rank or above
 * takes an administrator; a password, when sent, is hashed before the write.
 *
 * @module
 */
import { ValidationError } from "../../../errors.ts";
import { AUDIT_EVENT, AUDIT_KIND, auditMask } from "../../../store/audit.ts";
import { isUniqueViolation } from "../../../store/constraint.ts";
import { hashPassword } from "../../../store/secrets.ts";
import { createUser, type User, USER_RANK } from "../../../store/users.ts";
import { defineEndpoint } from "../../endpoint.ts";
import { userSnapshot } from "../../serialize.ts";
import { object } from "../../validate.ts";
import { ATTR_POINTER } from "../_entity_attrs.ts";
import { newUserAttributes, serializeUser, USER_VIEW_ACTIONS } from "./_user.ts";

/** The request content. */
const decode = object({ attributes: newUserAttributes });

/** The declaration. */
export const userCreate = defineEndpoint({
  names: ["user.create"],
  session: "required",
  permission: { action: "USER_CREATE", also: ["USER_GRANT_HIGH_RANK", ...USER_VIEW_ACTIONS] },
  access: "write",
  scope: "site",
  audit: "always",
  wiring: false,
  decode,
  async handle(ctx, { attributes }) {
    const actor = ctx.require("USER_CREATE");
    if (attributes.rank >= USER_RANK.MANAGER) ctx.require("USER_GRANT_HIGH_RANK");
    const { password, ...fields } = attributes;
    const passwordHash = password === undefined ? null : await hashPassword(password);
    const db = ctx.store.db;
    const user = ctx.transaction(() => {
      let created: User;
      try {
        created = createUser(db, { ...fields, passwordHash });
      } catch (error) {
        if (isUniqueViolation(error)) {
          throw new ValidationError(
            `Username ${fields.username.toLowerCase()} is already in use.`,
            ATTR_POINTER + "username",
          );
        }
        throw error;
      }
      ctx.audit({
        kind: AUDIT_KIND.USER,
        mask: auditMask(AUDIT_EVENT.USER_CREATED),
        authorId: actor.userId,
        targetId: created.id,
        description: `User ${created.username} has been created.`,
        after: userSnapshot(created),
      });
      return created;
    });
    return { data: serializeUser(ctx, user) };
  },
});
