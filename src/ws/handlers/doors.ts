/**
 * `door.create`, `door.read`, `door.update`, `door.delete` (Leosac §7.7).
 * Beyond Leosac: the hardware and timing attributes of a door (read-only
 * `mode`, `unlock-duration`, `held-open-threshold`, the strike, contact and
 * request-to-exit GPIOs, `unlock-schedule`, `unlock-after-first-card`).
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import { BadRequestError, NotFoundError, ValidationError } from "../../errors.ts";
import { getAccessPoint } from "../../store/access_points.ts";
import { AUDIT_EVENT, AUDIT_KIND, auditMask } from "../../store/audit.ts";
import { transaction } from "../../store/db.ts";
import { getDevice } from "../../store/devices.ts";
import {
  createDoor,
  deleteDoor,
  type Door,
  type DoorPatch,
  getDoor,
  getDoorByAccessPoint,
  listDoors,
  updateDoor,
} from "../../store/doors.ts";
import { getSchedule } from "../../store/schedules.ts";
import { type Endpoint, endpoint } from "../context.ts";
import { any, id, object } from "../validate.ts";
import { attributesOf, auditChange, boolAttr, intAttr, textAttr } from "./_entity_attrs.ts";
import { accessPointWireType } from "./access_points.ts";
import { roleProblem } from "./_device_refs.ts";

/** The door's gpio attributes, the field they set, and the direction the line must have. */
const GPIO_ATTRIBUTES = [
  ["strike-gpio", "strikeGpioId", "output"],
  ["contact-gpio", "contactGpioId", "input"],
  ["rex-gpio", "rexGpioId", "input"],
] as const;

/** Serialises a door; `relationships` is present only when it has an access point. */
export function serializeDoor(db: DatabaseSync, door: Door): Record<string, unknown> {
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
  };
}

function isCleared(value: unknown): boolean {
  return value === null || value === "" || value === 0 || value === "0";
}

/**
 * A GPIO device id; `null`, `""` or `0` clears it. The strike must be an
 * output line, the contact and request-to-exit inputs (11 otherwise).
 */
function parseGpio(
  db: DatabaseSync,
  value: unknown,
  key: string,
  role: "input" | "output",
): string | null {
  if (isCleared(value)) return null;
  if (typeof value !== "string") throw new BadRequestError("Failed to unserialize UUID");
  const device = getDevice(db, value);
  if (device?.type !== "gpio") throw new NotFoundError("gpio", value);
  const problem = roleProblem(device, role);
  if (problem !== null) throw new ValidationError(problem, `data/attributes/${key}`);
  return value;
}

function parseEntityId(value: unknown, key: string): number {
  const n = typeof value === "string" && /^\d{1,15}$/.test(value) ? Number(value) : value;
  if (typeof n !== "number" || !Number.isSafeInteger(n) || n < 0) {
    throw new BadRequestError(`Invalid value for \`${key}\`: expected an integer`);
  }
  return n;
}

/**
 * `access_point_id`: 0 clears; an access point linked to another door is
 * refused (Leosac refused it for the same door too, a bug we fix).
 */
function parseAccessPoint(db: DatabaseSync, value: unknown, doorId: number | null): number | null {
  const apId = parseEntityId(value, "access_point_id");
  if (apId === 0) return null;
  if (!getAccessPoint(db, apId)) throw new NotFoundError("access-point", apId);
  const owner = getDoorByAccessPoint(db, apId);
  if (owner && owner.id !== doorId) {
    throw new BadRequestError(
      `The AccessPoint with id ${apId} is already referenced by door with id ${owner.id}.`,
    );
  }
  return apId;
}

function parseSchedule(db: DatabaseSync, value: unknown): number | null {
  if (isCleared(value)) return null;
  const scheduleId = parseEntityId(value, "unlock-schedule");
  if (!getSchedule(db, scheduleId)) throw new NotFoundError("schedule", scheduleId);
  return scheduleId;
}

/** Reads the door attributes into a patch; `mode` is ignored (door.set_mode changes it). */
function parseFields(
  db: DatabaseSync,
  attrs: Record<string, unknown>,
  doorId: number | null,
): DoorPatch {
  const patch: DoorPatch = {};
  const alias = textAttr(attrs, "alias");
  const description = textAttr(attrs, "description", 1024);
  const unlockMs = intAttr(attrs, "unlock-duration", { min: 100, max: 600_000 });
  const heldOpenMs = intAttr(attrs, "held-open-threshold", { min: 1000, max: 3_600_000 });
  const afterFirstCard = boolAttr(attrs, "unlock-after-first-card");
  if (alias !== undefined) patch.alias = alias;
  if (description !== undefined) patch.description = description;
  if (attrs.access_point_id !== undefined && attrs.access_point_id !== null) {
    patch.accessPointId = parseAccessPoint(db, attrs.access_point_id, doorId);
  }
  if (unlockMs !== undefined) patch.unlockMs = unlockMs;
  if (heldOpenMs !== undefined) patch.heldOpenMs = heldOpenMs;
  for (const [key, field, role] of GPIO_ATTRIBUTES) {
    if (Object.hasOwn(attrs, key)) patch[field] = parseGpio(db, attrs[key], key, role);
  }
  if (Object.hasOwn(attrs, "unlock-schedule")) {
    patch.unlockScheduleId = parseSchedule(db, attrs["unlock-schedule"]);
  }
  if (afterFirstCard !== undefined) patch.unlockAfterFirstCard = afterFirstCard;
  return patch;
}

function findDoor(db: DatabaseSync, doorId: number): Door {
  const door = getDoor(db, doorId);
  if (!door) throw new NotFoundError("door", doorId);
  return door;
}

/** The door endpoints, by wire name. */
export const DOOR_ENDPOINTS: Record<string, Endpoint> = {
  "door.create": endpoint(object({ attributes: any }), {
    auth: "logged_in",
    handle(ctx, request) {
      const actor = ctx.require("DOOR_WRITE");
      const db = ctx.deps.store.db;
      const fields = parseFields(db, attributesOf(request.attributes), null);
      const door = transaction(db, () => {
        const created = createDoor(db, fields);
        auditChange(ctx, actor.userId, {
          kind: AUDIT_KIND.DOOR,
          mask: auditMask(AUDIT_EVENT.DOOR_CREATED),
          targetId: created.id,
          description: `Door ${created.alias} has been created.`,
          after: snapshot(created),
        });
        return created;
      });
      return { data: serializeDoor(db, door) };
    },
  }),

  "door.read": endpoint(object({ door_id: id }), {
    auth: "logged_in",
    handle(ctx, { door_id }) {
      const db = ctx.deps.store.db;
      if (door_id === 0) {
        const all = ctx.can("DOOR_LIST_ALL");
        const doors = listDoors(db).filter((d) => all || ctx.can("DOOR_READ", { doorId: d.id }));
        return { data: doors.map((d) => serializeDoor(db, d)) };
      }
      const door = findDoor(db, door_id);
      ctx.require("DOOR_READ", { doorId: door.id });
      return { data: serializeDoor(db, door) };
    },
  }),

  "door.update": endpoint(object({ door_id: id, attributes: any }), {
    auth: "logged_in",
    handle(ctx, request) {
      const actor = ctx.require("DOOR_WRITE");
      const db = ctx.deps.store.db;
      const door = findDoor(db, request.door_id);
      const patch = parseFields(db, attributesOf(request.attributes), door.id);
      const after = transaction(db, () => {
        const updated = updateDoor(db, door.id, patch)!;
        auditChange(ctx, actor.userId, {
          kind: AUDIT_KIND.DOOR,
          mask: auditMask(AUDIT_EVENT.DOOR_UPDATED),
          targetId: door.id,
          description: `Door ${updated.alias} has been updated.`,
          before: snapshot(door),
          after: snapshot(updated),
        });
        return updated;
      });
      return { data: serializeDoor(db, after) };
    },
  }),

  "door.delete": endpoint(object({ door_id: id }), {
    auth: "logged_in",
    handle(ctx, { door_id }) {
      const actor = ctx.require("DOOR_WRITE");
      const db = ctx.deps.store.db;
      const door = findDoor(db, door_id);
      transaction(db, () => {
        deleteDoor(db, door.id);
        auditChange(ctx, actor.userId, {
          kind: AUDIT_KIND.DOOR,
          mask: auditMask(AUDIT_EVENT.DOOR_DELETED),
          targetId: door.id,
          description: `Door ${door.alias} has been deleted.`,
          before: snapshot(door),
        });
      });
      return null;
    },
  }),
};
