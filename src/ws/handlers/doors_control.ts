/**
 * Live door control: `door.status`, `door.open`, `door.set_mode` and
 * `antipassback.forgive`.
 *
 * @module
 */
import { BadRequestError, NotFoundError } from "../../errors.ts";
import type { DoorStatus } from "../../controller/protocol.ts";
import { appendAudit, AUDIT_EVENT, AUDIT_KIND, auditMask } from "../../store/audit.ts";
import { transaction } from "../../store/db.ts";
import { DOOR_MODES, getDoor, listDoors, setDoorMode } from "../../store/doors.ts";
import { getUser } from "../../store/users.ts";
import { getZone } from "../../store/zones.ts";
import { type Endpoint, endpoint, type RequestContext } from "../context.ts";
import { id, int, object, oneOf, optional } from "../validate.ts";
import { callController, requireController } from "./_controller.ts";

/** Longest remote opening a client may ask for. */
export const MAX_REMOTE_OPEN_MS = 60_000;

/** The wire shape of a door status. */
function statusContent(status: DoorStatus): Record<string, unknown> {
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

function requireDoor(ctx: RequestContext, doorId: number): void {
  if (getDoor(ctx.deps.store.db, doorId) === undefined) throw new NotFoundError("door", doorId);
}

/** The door control endpoints, by wire name. */
export const DOOR_CONTROL_ENDPOINTS: Record<string, Endpoint> = {
  "door.status": endpoint(object({ door_id: id }), {
    auth: "logged_in",
    async handle(ctx, request) {
      ctx.require("DOOR_STATUS", { doorId: request.door_id });
      if (request.door_id !== 0) requireDoor(ctx, request.door_id);
      const controller = ctx.deps.controller;
      if (controller === null) {
        // No controller: report what the database knows.
        const doors = listDoors(ctx.deps.store.db)
          .filter((d) => request.door_id === 0 || d.id === request.door_id);
        return {
          doors: doors.map((d) => ({
            door_id: d.id,
            alias: d.alias,
            mode: d.mode,
            locked: d.mode !== "unlocked",
            open: false,
            alarms: [],
            wired: false,
          })),
        };
      }
      const statuses = await callController(controller, {
        type: "door.status",
        doorId: request.door_id,
      });
      return { doors: statuses.map(statusContent) };
    },
  }),

  "door.open": endpoint(
    object({ door_id: id, duration_ms: optional(int(100, MAX_REMOTE_OPEN_MS)) }),
    {
      auth: "logged_in",
      async handle(ctx, request) {
        const actor = ctx.require("DOOR_OPEN", { doorId: request.door_id });
        requireDoor(ctx, request.door_id);
        const result = await callController(requireController(ctx), {
          type: "door.open",
          doorId: request.door_id,
          authorId: actor.userId,
          ...(request.duration_ms === undefined ? {} : { durationMs: request.duration_ms }),
        });
        if (!result.opened) {
          throw new BadRequestError(
            `Door ${request.door_id} is in ${
              result.refused ?? "locked"
            } mode: remote opening refused.`,
          );
        }
        return { door_id: request.door_id, opened: true };
      },
    },
  ),

  "door.set_mode": endpoint(object({ door_id: id, mode: oneOf(DOOR_MODES) }), {
    auth: "logged_in",
    async handle(ctx, request) {
      const actor = ctx.require("DOOR_SET_MODE", { doorId: request.door_id });
      const db = ctx.deps.store.db;
      const before = getDoor(db, request.door_id);
      if (before === undefined) throw new NotFoundError("door", request.door_id);
      setDoorMode(db, request.door_id, request.mode);
      const controller = ctx.deps.controller;
      if (controller === null) {
        if (before.mode !== request.mode) {
          appendAudit(db, {
            kind: AUDIT_KIND.DOOR,
            mask: auditMask(AUDIT_EVENT.DOOR_MODE_CHANGED),
            authorId: actor.userId,
            description: `door ${before.id} mode changed`,
            timestamp: ctx.now,
            targetId: before.id,
            data: { event: "MODE_CHANGED", door: before.id, from: before.mode, to: request.mode },
          });
        }
        return { door_id: before.id, alias: before.alias, mode: request.mode };
      }
      // The worker applies the mode and records DOOR_MODE_CHANGED with the author.
      const status = await callController(controller, {
        type: "door.set_mode",
        doorId: request.door_id,
        mode: request.mode,
        authorId: actor.userId,
      });
      return statusContent(status);
    },
  }),

  "antipassback.forgive": endpoint(object({ user_id: id, zone_id: optional(id) }), {
    auth: "logged_in",
    handle(ctx, request) {
      const actor = ctx.require("ANTIPASSBACK_FORGIVE", { userId: request.user_id });
      const db = ctx.deps.store.db;
      if (getUser(db, request.user_id) === undefined) {
        throw new NotFoundError("user", request.user_id);
      }
      const zoneId = request.zone_id ?? 0;
      if (zoneId !== 0 && getZone(db, zoneId) === undefined) {
        throw new NotFoundError("zone", zoneId);
      }
      const forgiven = transaction(db, () => {
        const changes = zoneId === 0
          ? db.prepare("DELETE FROM antipassback_state WHERE user_id = ?").run(request.user_id)
            .changes
          : db.prepare("DELETE FROM antipassback_state WHERE user_id = ? AND zone_id = ?")
            .run(request.user_id, zoneId).changes;
        appendAudit(db, {
          kind: AUDIT_KIND.USER,
          mask: auditMask(AUDIT_EVENT.ANTIPASSBACK_FORGIVEN),
          authorId: actor.userId,
          description: zoneId === 0
            ? `Anti-passback forgiven for user ${request.user_id} in every zone`
            : `Anti-passback forgiven for user ${request.user_id} in zone ${zoneId}`,
          timestamp: ctx.now,
          targetId: request.user_id,
          target2Id: zoneId === 0 ? null : zoneId,
          data: { user: request.user_id, zone: zoneId, rows: Number(changes) },
        });
        return Number(changes);
      });
      return { user_id: request.user_id, zone_id: zoneId, forgiven };
    },
  }),
};
