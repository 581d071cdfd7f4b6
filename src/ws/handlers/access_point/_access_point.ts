/**
 * What the access point endpoints share. Leosac forwarded the writes to an
 * `AccessPointBackend` that no module registered; we implement the one the
 * web UI uses, `LEOSAC-BUILTIN-ACCESS-POINT`, whose resources are typed
 * `leosac-builtin-access-point`. Our attributes: `reader` (a wiegand-reader or osdp-reader
 * device id), `reader-mode`, `direction`, `pin-timeout` (ms), and our extension `pairs-only` (bool: a
 * card+PIN reader takes only cards bound to a PIN, as Leosac's did). Here: the
 * JSON:API shape, the attributes decoder, the reader check and the audit row.
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import {
  ATTR_POINTER,
  BadRequestError,
  MAX_QUOTED_LENGTH,
  NotFoundError,
  quoteValue,
} from "../../../errors.ts";
import {
  type AccessPoint,
  type AccessPointPatch,
  BUILTIN_CONTROLLER_MODULE,
  DIRECTIONS,
  getAccessPoint,
  READER_MODES,
} from "../../../store/access_points.ts";
import { AUDIT_EVENT, AUDIT_KIND, auditMask } from "../../../store/audit.ts";
import { getDevice } from "../../../store/devices.ts";
import type { EndpointContext } from "../../endpoint.ts";
import { checkSameController, controllerAttribute } from "../_owner.ts";
import {
  attributesOf,
  boolAttr,
  enumAttr,
  intAttr,
  requiredKey,
  textAttr,
} from "../_entity_attrs.ts";

/** The JSON:API type of an access point: `leosac-builtin-access-point` for the builtin module. */
export function accessPointWireType(controllerModule: string): string {
  return controllerModule === BUILTIN_CONTROLLER_MODULE
    ? "leosac-builtin-access-point"
    : "access-point";
}

/**
 * Serialises an access point; `relationships.door` is present only when a
 * door links it. `local` is this controller's name in a site (the access
 * point then carries its `controller`), null outside one.
 */
export function serializeAccessPoint(
  ap: AccessPoint,
  local: string | null,
): Record<string, unknown> {
  const resource: Record<string, unknown> = {
    id: ap.id,
    type: accessPointWireType(ap.controllerModule),
    attributes: {
      alias: ap.alias,
      description: ap.description,
      "controller-module": ap.controllerModule,
      reader: ap.readerId,
      "reader-mode": ap.readerMode,
      direction: ap.direction,
      "pin-timeout": ap.pinTimeoutMs,
      "pairs-only": ap.pairsOnly,
      version: ap.version,
      ...controllerAttribute(ap, local),
    },
  };
  if (ap.doorId !== null) {
    resource.relationships = { door: { data: { id: ap.doorId, type: "door" } } };
  }
  return resource;
}

function snapshot(ap: AccessPoint): Record<string, unknown> {
  return {
    id: ap.id,
    alias: ap.alias,
    description: ap.description,
    controller_module: ap.controllerModule,
    reader: ap.readerId,
    reader_mode: ap.readerMode,
    direction: ap.direction,
    pin_timeout_ms: ap.pinTimeoutMs,
    pairs_only: ap.pairsOnly,
    ...(ap.controller === null ? {} : { controller: ap.controller }),
  };
}

/** Refuses any controller module but the builtin one (status 1, as Leosac). */
export function checkBackend(controllerModule: unknown): void {
  if (controllerModule !== BUILTIN_CONTROLLER_MODULE) {
    const name = typeof controllerModule === "string"
      ? controllerModule
      : JSON.stringify(controllerModule);
    throw new BadRequestError(
      `Cannot find an AccessPointBackend corresponding to controller-module ${
        typeof name === "string" ? name.slice(0, MAX_QUOTED_LENGTH) : quoteValue(name)
      }`,
    );
  }
}

/** `reader`: a wiegand-reader or osdp-reader device id; `null`, `""` or `0` clears it. */
function readerId(value: unknown): string | null {
  if (value === null || value === "" || value === 0) return null;
  if (typeof value !== "string") throw new BadRequestError("Failed to unserialize UUID");
  return value;
}

function patchOf(attrs: Record<string, unknown>): AccessPointPatch {
  const patch: AccessPointPatch = {};
  const alias = textAttr(attrs, "alias");
  const description = textAttr(attrs, "description", 1024);
  const readerMode = enumAttr(attrs, "reader-mode", READER_MODES);
  const direction = enumAttr(attrs, "direction", DIRECTIONS);
  const pinTimeout = intAttr(attrs, "pin-timeout", { min: 1000, max: 300_000 });
  const pairsOnly = boolAttr(attrs, "pairs-only");
  if (alias !== undefined) patch.alias = alias;
  if (description !== undefined) patch.description = description;
  if (Object.hasOwn(attrs, "reader")) patch.readerId = readerId(attrs.reader);
  if (readerMode !== undefined) patch.readerMode = readerMode;
  if (direction !== undefined) patch.direction = direction;
  if (pinTimeout !== undefined) patch.pinTimeoutMs = pinTimeout;
  if (pairsOnly !== undefined) patch.pairsOnly = pairsOnly;
  return patch;
}

/**
 * The attributes of `access_point.create`: `controller-module` is required
 * and must be the builtin module; the others are left out when absent. The
 * reader's existence is checked by {@linkcode checkReader}.
 */
export function newAccessPointAttributes(value: unknown): AccessPointPatch {
  const attrs = attributesOf(value);
  checkBackend(requiredKey(attrs, "controller-module"));
  return patchOf(attrs);
}

/**
 * The attributes of `access_point.update`: a `controller-module` sent must
 * be the builtin module; absent attributes are left out of the patch.
 */
export function accessPointAttributes(value: unknown): AccessPointPatch {
  const attrs = attributesOf(value);
  const module = attrs["controller-module"];
  if (module !== undefined && module !== null) checkBackend(module);
  return patchOf(attrs);
}

/**
 * Checks that the patch's reader, if any, is a Wiegand or an OSDP reader of
 * the access point's controller (`controller` in the site's spelling,
 * `local` this controller's name; both null outside a site).
 */
export function checkReader(
  db: DatabaseSync,
  patch: AccessPointPatch,
  controller: string | null = null,
  local: string | null = null,
): void {
  const reader = patch.readerId;
  if (reader === undefined || reader === null) return;
  const device = getDevice(db, reader);
  if (device?.type !== "wiegand-reader" && device?.type !== "osdp-reader") {
    throw new NotFoundError("wiegand-reader", reader);
  }
  checkSameController(
    controller,
    device,
    local,
    ATTR_POINTER + "reader",
    `Reader "${device.name}"`,
  );
}

/** The access point `accessPointId`, or ENTITY_NOT_FOUND. */
export function findAccessPoint(db: DatabaseSync, accessPointId: number): AccessPoint {
  const ap = getAccessPoint(db, accessPointId);
  if (!ap) throw new NotFoundError("access-point", accessPointId);
  return ap;
}

/** The audit verbs of an access point change. */
const VERBS = {
  [AUDIT_EVENT.ACCESS_POINT_CREATED]: "created",
  [AUDIT_EVENT.ACCESS_POINT_UPDATED]: "updated",
  [AUDIT_EVENT.ACCESS_POINT_DELETED]: "deleted",
} as const;

/** Appends the audit row of an access point change (inside the change's transaction). */
export function auditAccessPoint(
  ctx: EndpointContext<"ACCESS_POINT_WRITE">,
  event: keyof typeof VERBS,
  before: AccessPoint | null,
  after: AccessPoint | null,
): void {
  const ap = (after ?? before)!;
  ctx.audit({
    kind: AUDIT_KIND.ACCESS_POINT,
    mask: auditMask(event),
    authorId: ctx.require("ACCESS_POINT_WRITE").userId,
    targetId: ap.id,
    description: `Access point ${ap.alias} has been ${VERBS[event]}.`,
    ...(before === null ? {} : { before: snapshot(before) }),
    ...(after === null ? {} : { after: snapshot(after) }),
  });
}
