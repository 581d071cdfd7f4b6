/**
 * What the user endpoints share: the JSON:API shape (type `user`, `email`
 * only to those who may read it, relationships filtered by what the caller
 * may read), the attributes decoders and the lookup.
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import { NotFoundError, ValidationError } from "../../../errors.ts";
import {
  getUser,
  listUserRelationIds,
  type User,
  USER_RANK,
  type UserRank,
} from "../../../store/users.ts";
import type { Validity } from "../../../policy/validity.ts";
import type { EndpointContext } from "../../endpoint.ts";
import { toMany, validityAttributes } from "../../serialize.ts";
import {
  applyValidity,
  ATTR_POINTER,
  type Attributes,
  attributesOf,
  intAttr,
  textAttr,
  validityAttr,
  type ValidityPatch,
} from "../_entity_attrs.ts";
import { MAX_PASSWORD_LENGTH } from "../session/_login.ts";

/** The actions a user's serialisation checks (what the caller may see of it). */
export type UserViewAction =
  | "USER_READ_EMAIL"
  | "MEMBERSHIP_READ"
  | "CREDENTIAL_READ"
  | "SCHEDULE_READ";

/** The serialisation's `also` actions, for the declarations that return users. */
export const USER_VIEW_ACTIONS = [
  "USER_READ_EMAIL",
  "MEMBERSHIP_READ",
  "CREDENTIAL_READ",
  "SCHEDULE_READ",
] as const satisfies readonly UserViewAction[];

/** A valid username (Leosac's rule; the people import checks the same). */
export const USERNAME = /^[A-Za-z0-9._-]{1,64}$/;
const UNBOUNDED: Validity = { enabled: true, start: null, end: null };

/** Serialises a user as a JSON:API resource, with what the caller may see. */
export function serializeUser(
  ctx: Pick<EndpointContext<UserViewAction>, "store" | "can">,
  user: User,
): Record<string, unknown> {
  const attributes: Record<string, unknown> = {
    version: user.version,
    username: user.username,
    firstname: user.firstname,
    lastname: user.lastname,
    rank: user.rank,
    ...validityAttributes(user.validity),
  };
  if (ctx.can("USER_READ_EMAIL", { userId: user.id })) attributes.email = user.email;
  const related = listUserRelationIds(ctx.store.db, user.id);
  const memberships = related.memberships
    .filter((m) => ctx.can("MEMBERSHIP_READ", { userId: user.id, groupId: m.groupId }))
    .map((m) => ({ id: m.id, type: "user-group-membership" }));
  const credentials = related.credentials
    .filter((c) => ctx.can("CREDENTIAL_READ", { credentialId: c.id }))
    .map((c) => ({ id: c.id, type: c.type }));
  const schedules = related.scheduleIds
    .filter((id) => ctx.can("SCHEDULE_READ", { scheduleId: id }))
    .map((id) => ({ id, type: "schedule" }));
  return {
    id: user.id,
    type: "user",
    attributes,
    relationships: {
      memberships: toMany(memberships, true),
      credentials: toMany(credentials, true),
      schedules: toMany(schedules, true),
    },
  };
}

/** The user `user_id`. @throws {NotFoundError} when there is none. */
export function findUser(db: DatabaseSync, userId: number): User {
  const user = getUser(db, userId);
  if (!user) throw new NotFoundError("user", userId);
  return user;
}

/** The attributes of `user.update`; absent ones are left out (a patch). */
export interface UserAttributes {
  readonly firstname?: string;
  readonly lastname?: string;
  readonly email?: string;
  readonly rank?: UserRank;
  /** The validity keys sent, applied to the user's own in the handler. */
  readonly validity?: ValidityPatch;
  /** The new clear password (an empty one means unchanged); hashed by the handler. */
  readonly password?: string;
}

/** The attributes of `user.create`, defaults filled in. */
export interface NewUserAttributes {
  readonly username: string;
  readonly firstname: string;
  readonly lastname: string;
  readonly email: string;
  readonly rank: UserRank;
  readonly validity: Validity;
  readonly password?: string;
}

function rankAttr(attrs: Attributes): UserRank | undefined {
  return intAttr(attrs, "rank", {
    min: USER_RANK.USER,
    max: USER_RANK.ADMIN,
    message: "Rank must be an integer from 0 (user) to 4 (administrator).",
  }) as UserRank | undefined;
}

/** A plausible e-mail address (at most 254 characters are accepted). */
export const EMAIL = /^[^\s@]+@[^\s@]+$/;

function emailAttr(attrs: Attributes): string | undefined {
  const email = textAttr(attrs, "email", 254);
  if (email && !EMAIL.test(email)) {
    throw new ValidationError("Invalid e-mail address.", ATTR_POINTER + "email");
  }
  return email;
}

function passwordAttr(attrs: Attributes): string | undefined {
  const password = textAttr(attrs, "password", MAX_PASSWORD_LENGTH);
  return password === "" ? undefined : password;
}

/** Decodes the attributes of `user.update` (each key checked as Leosac's client expects). */
export function userAttributes(value: unknown): UserAttributes {
  const attrs = attributesOf(value);
  const firstname = textAttr(attrs, "firstname", 128);
  const lastname = textAttr(attrs, "lastname", 128);
  const email = emailAttr(attrs);
  const rank = rankAttr(attrs);
  const validity = validityAttr(attrs);
  const password = passwordAttr(attrs);
  return {
    ...(firstname !== undefined ? { firstname } : {}),
    ...(lastname !== undefined ? { lastname } : {}),
    ...(email !== undefined ? { email } : {}),
    ...(rank !== undefined ? { rank } : {}),
    ...(validity !== undefined ? { validity } : {}),
    ...(password !== undefined ? { password } : {}),
  };
}

/** Decodes the attributes of `user.create`: a valid username is required. */
export function newUserAttributes(value: unknown): NewUserAttributes {
  const attrs = attributesOf(value);
  const username = attrs.username;
  if (typeof username !== "string" || !USERNAME.test(username)) {
    throw new ValidationError(
      "Username must be 1 to 64 characters among letters, digits, '.', '_' and '-'.",
      ATTR_POINTER + "username",
    );
  }
  const rank = rankAttr(attrs) ?? USER_RANK.USER;
  const firstname = textAttr(attrs, "firstname", 128) ?? "";
  const lastname = textAttr(attrs, "lastname", 128) ?? "";
  const email = emailAttr(attrs) ?? "";
  const sent = validityAttr(attrs);
  const validity = sent === undefined ? UNBOUNDED : applyValidity(UNBOUNDED, sent);
  const password = passwordAttr(attrs);
  return {
    username,
    firstname,
    lastname,
    email,
    rank,
    validity,
    ...(password !== undefined ? { password } : {}),
  };
}
