/**
 * What the door endpoints share: the JSON:API shape (type `door`; beyond
 * Leosac the hardware and timing attributes: read-only `mode`,
 * `unlock-duration`, `held-open-threshold`, the strike, contact and
 * request-to-exit GPIOs, `unlock-schedule`, `unlock-after-first-card`), the
 * attributes decoder, the reference checks against the store, the audit row
 * and the live status shape.
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import { BadRequestError, NotFoundError, ValidationError } from "../../../errors.ts";
import type { DoorStatus } from "../../../controller/protocol.ts";
import { getAccessPoint } from "../../../store/access_points.ts";
import { AUDIT_EVENT, AUDIT_KIND, auditMask } from "../../../store/audit.ts";
import { getDevice } from "../../../store/devices.ts";
import { type Door, type DoorPatch, getDoor, getDoorByAccessPoint } from "../../../store/doors.ts";
import { getSchedule } from "../../../store/schedules.ts";
import type { EndpointContext } from "../../endpoint.ts";
import { roleProblem } from "../_device_refs.ts";
import { ATTR_POINTER, attributesOf, boolAttr, intAttr, textAttr } from "../_entity_attrs.ts";
import { accessPointWireType } from "../access_point/_access_point.ts";
import { checkSameController, controllerAttribute } from "../_owner.ts";

/** The door's gpio attributes, the field they set, and the direction the line must have. */
const GPIO_ATTRIBUTES = [
  ["strike-gpio", "strikeGpioId", "output"],
  ["contact-gpio", "contactGpioId", "input"],
  ["rex-gpio", "rexGpioId", "input"],
] as const;

/**
 * Serialises a door; `relationships` is present only when it has an access
 * point. `local` is this controller's name in a site (the door then carries
 * its `controller`), null outside one.
 */
export function serializeDoor(
  db: DatabaseSync,
  door: Door,
  local: string | null,
): Record<string, unknown> {
  const resource: Record<string, unknown> = {
    id: door.id,
    type: "door",
    attributes: {
      alias: door.alias,
      description: door.description,
      mode: door.mode,
      "unlock-duration": door.unlockMs,
      "held-open-threshold": door.heldOpenMs,
      "strike-gpio": door.strikeGpioId,
      "contact-gpio": door.contactGpioId,
      "rex-gpio": door.rexGpioId,
      "unlock-schedule": door.unlockScheduleId,
      "unlock-after-first-card": door.unlockAfterFirstCard,
      version: door.version,
      ...controllerAttribute(door, local),
    },
  };
  const ap = door.accessPointId === null ? undefined : getAccessPoint(db, door.accessPointId);
  if (ap) {
    resource.relationships = {
      "access-point": { data: { id: ap.id, type: accessPointWireType(ap.controllerModule) } },
    };
  }
  return resource;
}

function snapshot(door: Door): Record<string, unknown> {
  return {
    id: door.id,
    alias: door.alias,
    description: door.description,
    access_point_id: door.accessPointId,
    mode: door.mode,
    unlock_ms: door.unlockMs,
    held_open_ms: door.heldOpenMs,
    strike_gpio_id: door.strikeGpioId,
    contact_gpio_id: door.contactGpioId,
    rex_gpio_id: door.rexGpioId,
    unlock_schedule_id: door.unlockScheduleId,
    unlock_after_first_card: door.unlockAfterFirstCard,
    ...(door.controller === null ? {} : { controller: door.controller }),
  };
}

function isCleared(value: unknown): boolean {
  return value === null || value === "" || value === 0 || value === "0";
}

function entityId(value: unknown, key: string): number {
  const n = typeof value === "string" && /^\d{1,15}$/.test(value) ? Number(value) : value;
  if (typeof n !== "number" || !Number.isSafeInteger(n) || n < 0) {
    throw new BadRequestError(`Invalid value for \`${key}\`: expected an integer`);
  }
  return n;
}

/** A GPIO device id; `null`, `""` or `0` clears it. */
function gpioId(value: unknown): string | null {
  if (isCleared(value)) return null;
  if (typeof value !== "string") throw new BadRequestError("Failed to unserialize UUID");
  return value;
}

/**
 * The attributes a client may send, as a patch; absent ones are left out,
 * `mode` is ignored (`door.set_mode` changes it). `access_point_id` 0 and a
 * cleared gpio or schedule become `null`. Whether the referenced entities
 * exist is checked by {@linkcode checkDoorReferences}.
 */
export function doorAttributes(value: unknown): DoorPatch {
  const attrs = attributesOf(value);
  const patch: DoorPatch = {};
  const alias = textAttr(attrs, "alias");
  const description = textAttr(attrs, "description", 1024);
  const unlockMs = intAttr(attrs, "unlock-duration", { min: 100, max: 600_000 });
  const heldOpenMs = intAttr(attrs, "held-open-threshold", { min: 1000, max: 3_600_000 });
  const afterFirstCard = boolAttr(attrs, "unlock-after-first-card");
  if (alias !== undefined) patch.alias = alias;
  if (description !== undefined) patch.description = description;
  if (attrs.access_point_id !== undefined && attrs.access_point_id !== null) {
    const apId = entityId(attrs.access_point_id, "access_point_id");
    patch.accessPointId = apId === 0 ? null : apId;
  }
  if (unlockMs !== undefined) patch.unlockMs = unlockMs;
  if (heldOpenMs !== undefined) patch.heldOpenMs = heldOpenMs;
  for (const [key, field] of GPIO_ATTRIBUTES) {
    if (Object.hasOwn(attrs, key)) patch[field] = gpioId(attrs[key]);
  }
  if (Object.hasOwn(attrs, "unlock-schedule")) {
    const schedule = attrs["unlock-schedule"];
    patch.unlockScheduleId = isCleared(schedule) ? null : entityId(schedule, "unlock-schedule");
  }
  if (afterFirstCard !== undefined) patch.unlockAfterFirstCard = afterFirstCard;
  return patch;
}

/** Where the door being checked is wired: its controller and this controller's name. */
export interface DoorOwner {
  /** The door's controller in the site's spelling (null outside a site). */
  controller: string | null;
  /** This controller's name in a site, null outside one. */
  local: string | null;
}

/**
 * Checks what a door patch references: the access point exists and is not
 * linked to another door (Leosac refused it for the same door too, a bug we
 * fix); each gpio exists with the right direction (the strike an output, the
 * contact and request-to-exit inputs: 11 otherwise); the unlock schedule
 * exists. In a site the access point and the gpios are the door's
 * controller's (11 at the attribute otherwise).
 */
export function checkDoorReferences(
  db: DatabaseSync,
  patch: DoorPatch,
  doorId: number | null,
  where: DoorOwner = { controller: null, local: null },
): void {
  const apId = patch.accessPointId;
  if (apId !== undefined && apId !== null) {
    const ap = getAccessPoint(db, apId);
    if (!ap) throw new NotFoundError("access-point", apId);
    checkSameController(
      where.controller,
      ap,
      where.local,
      ATTR_POINTER + "access_point_id",
      `Access point ${apId}`,
    );
    const owner = getDoorByAccessPoint(db, apId);
    if (owner && owner.id !== doorId) {
      throw new BadRequestError(
        `The AccessPoint with id ${apId} is already referenced by door with id ${owner.id}.`,
      );
    }
  }
  for (const [key, field, role] of GPIO_ATTRIBUTES) {
    const deviceId = patch[field];
    if (deviceId === undefined || deviceId === null) continue;
    const device = getDevice(db, deviceId);
    if (device?.type !== "gpio") throw new NotFoundError("gpio", deviceId);
    const problem = roleProblem(device, role);
    if (problem !== null) throw new ValidationError(problem, ATTR_POINTER + key);
    checkSameController(
      where.controller,
      device,
      where.local,
      ATTR_POINTER + key,
      `Gpio "${device.name}"`,
    );
  }
  const scheduleId = patch.unlockScheduleId;
  if (scheduleId !== undefined && scheduleId !== null && !getSchedule(db, scheduleId)) {
    throw new NotFoundError("schedule", scheduleId);
  }
}

/** The door `doorId`, or ENTITY_NOT_FOUND. */
export function findDoor(db: DatabaseSync, doorId: number): Door {
  const door = getDoor(db, doorId);
  if (!door) throw new NotFoundError("door", doorId);
  return door;
}

/** The audit verbs of a door change. */
const VERBS = {
  [AUDIT_EVENT.DOOR_CREATED]: "created",
  [AUDIT_EVENT.DOOR_UPDATED]: "updated",
  [AUDIT_EVENT.DOOR_DELETED]: "deleted",
} as const;

/** Appends the audit row of a door change (inside the change's transaction). */
export function auditDoor(
  ctx: EndpointContext<"DOOR_WRITE">,
  event: keyof typeof VERBS,
  before: Door | null,
  after: Door | null,
): void {
  const door = (after ?? before)!;
  ctx.audit({
    kind: AUDIT_KIND.DOOR,
    mask: auditMask(event),
    authorId: ctx.require("DOOR_WRITE").userId,
    targetId: door.id,
    description: `Door ${door.alias} has been ${VERBS[event]}.`,
    ...(before === null ? {} : { before: snapshot(before) }),
    ...(after === null ? {} : { after: snapshot(after) }),
  });
}

/** Longest remote opening a client may ask for. */
export const MAX_REMOTE_OPEN_MS = 60_000;

/** The wire shape of a door status. */
export function statusContent(status: DoorStatus): Record<string, unknown> {
  return {
    door_id: status.id,
    alias: status.alias,
    mode: status.mode,
    locked: status.locked,
    open: status.open,
    alarms: status.alarms,
    wired: status.wired,
  };
}
