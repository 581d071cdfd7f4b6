/**
 * The `controller` attribute of doors, access points and hardware devices
 * (issue 12, `docs/site.md`): the controller a row is wired on.
 *
 * - On the wire, only in a site: the row's controller, or this controller's
 *   name when the row's is NULL (rows written before the site). Outside a
 *   site the attribute is absent, so replies keep Leosac's shape.
 * - `create` takes an optional `controller` (a site controller's name); it
 *   defaults to this controller's name in a site, and is stored explicitly
 *   (never NULL) so that every copy of the site reads the same owner.
 *   Outside a site a non-null `controller` is refused (INVALID_ARGUMENT).
 * - `update` may repeat the row's controller but not change it: a door or a
 *   device does not move between controllers (delete it and create it on
 *   the other one).
 * - References stay on one controller: a door's strike, contact and
 *   request-to-exit lines and access point, an access point's reader, a
 *   reader's lines, LED and buzzer, an LED's or buzzer's line and an OSDP
 *   reader's bus belong to the same controller as what references them
 *   (MODEL_EXCEPTION naming the attribute otherwise).
 *
 * @module
 */
import {
  ATTR_POINTER,
  BadRequestError,
  quoteValue,
  STATUS,
  ValidationError,
} from "../../errors.ts";
import { NAME_PATTERN } from "../../site/names.ts";
import type { SiteService } from "../../site/service.ts";
import { ownerOf } from "../../store/owner.ts";
import type { Decoder } from "../validate.ts";

/** The pointer of the attribute. */
export const CONTROLLER_POINTER: string = ATTR_POINTER + "controller";

/** A decoded request that may carry `attributes.controller` (absent: not sent; null: default). */
export type WithController<T> = T & { readonly controller?: string | null };

/**
 * The `controller` of an attributes object: undefined when absent, null for
 * null, else a controller name.
 *
 * @throws {ValidationError} MODEL_EXCEPTION at `controller` for anything else.
 */
export function controllerOf(attrs: Record<string, unknown>): string | null | undefined {
  if (!Object.hasOwn(attrs, "controller")) return undefined;
  const sent = attrs.controller;
  if (sent === null || sent === undefined) return null;
  if (typeof sent !== "string" || !NAME_PATTERN.test(sent)) {
    throw new ValidationError(
      `Must be a controller name (1 to 32 letters, digits, "-" or "_"), not ${quoteValue(sent)}.`,
      CONTROLLER_POINTER,
    );
  }
  return sent;
}

/**
 * Adds `attributes.controller` ({@linkcode controllerOf}) to what `decode`
 * returns (left out when absent).
 */
export function withController<T extends object>(
  decode: Decoder<T>,
): Decoder<WithController<T>> {
  return (value, path) => {
    const decoded = decode(value, path);
    const content = value as Record<string, unknown>; // an object: `decode` checked it
    const attrs = content.attributes;
    if (typeof attrs !== "object" || attrs === null || Array.isArray(attrs)) return decoded;
    const controller = controllerOf(attrs as Record<string, unknown>);
    return controller === undefined ? decoded : { ...decoded, controller };
  };
}

/** This controller's name in a site, null outside one. */
export function localController(ctx: { services: { site: SiteService | null } }): string | null {
  return ctx.services.site?.controller ?? null;
}

/**
 * The controller a new row is stored with: the requested one, else this
 * controller's name in a site; null outside a site.
 *
 * @throws {BadRequestError} INVALID_ARGUMENT when a controller is asked for outside a site.
 */
export function newRowController(
  requested: string | null | undefined,
  local: string | null,
): string | null {
  if (local === null) {
    if (requested !== undefined && requested !== null) {
      throw new BadRequestError(
        `The \`controller\` attribute needs a site: this controller runs alone (start it with --site and --controller to join one).`,
        STATUS.INVALID_ARGUMENT,
      );
    }
    return null;
  }
  return requested ?? local;
}

/**
 * Refuses an update that would move a row to another controller; sending
 * the row's own controller (or null) is accepted.
 *
 * @param what e.g. `door 3`, for the message
 */
export function checkControllerUnchanged(
  requested: string | null | undefined,
  row: { controller: string | null },
  local: string | null,
  what: string,
): void {
  if (requested === undefined || requested === null) return;
  const owner = ownerOf(row.controller, local);
  if (requested === owner) return;
  if (owner === null) {
    newRowController(requested, local); // outside a site: the same refusal as create
    return;
  }
  throw new ValidationError(
    `The ${what} is wired on controller ${owner} and cannot move to ${requested}: delete it and create it on ${requested}.`,
    CONTROLLER_POINTER,
  );
}

/**
 * Refuses a reference from a row of controller `owner` to a row of another
 * controller (names in the site's spelling, see {@linkcode ownerOf}).
 *
 * @param pointer the referencing attribute's JSON:API pointer
 * @param what the referenced row, e.g. `Gpio "strike-1"`
 */
export function checkSameController(
  owner: string | null,
  referenced: { controller: string | null },
  local: string | null,
  pointer: string,
  what: string,
): void {
  const theirs = ownerOf(referenced.controller, local);
  if (theirs === owner) return;
  throw new ValidationError(
    `${what} is wired on controller ${theirs}, not on ${owner}: a reference cannot cross controllers.`,
    pointer,
  );
}

/** The wire `controller` attribute: `{controller}` in a site, `{}` outside one. */
export function controllerAttribute(
  row: { controller: string | null },
  local: string | null,
): { controller?: string } {
  const owner = ownerOf(row.controller, local);
  return owner === null ? {} : { controller: owner };
}
