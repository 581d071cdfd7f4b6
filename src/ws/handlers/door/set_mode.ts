/**
 * `door.set_mode`: normal, unlocked, locked or lockdown. The controller
 * applies the mode and records DOOR_MODE_CHANGED with the author; without a
 * controller the mode is stored and the row written here.
 *
 * @module
 */
import { AUDIT_EVENT, AUDIT_KIND, auditMask } from "../../../store/audit.ts";
import { DOOR_MODES, setDoorMode } from "../../../store/doors.ts";
import { defineEndpoint } from "../../endpoint.ts";
import { id, object, oneOf } from "../../validate.ts";
import { callController } from "../_controller.ts";
import { findDoor, statusContent } from "./_door.ts";

/** The request content. */
const decode = object({ door_id: id, mode: oneOf(DOOR_MODES) });

/** The declaration. */
export const doorSetMode = defineEndpoint({
  names: ["door.set_mode"],
  session: "required",
  permission: { action: "DOOR_SET_MODE", byHandler: true },
  access: "write",
  scope: "local",
  audit: "always",
  wiring: false,
  decode,
  async handle(ctx, { door_id, mode }, signal) {
    const actor = ctx.require("DOOR_SET_MODE", { doorId: door_id });
    const db = ctx.store.db;
    const before = findDoor(db, door_id);
    const controller = ctx.controller;
    if (controller === null) {
      ctx.transaction(() => {
        setDoorMode(db, door_id, mode);
        if (before.mode === mode) return;
        ctx.audit({
          kind: AUDIT_KIND.DOOR,
          mask: auditMask(AUDIT_EVENT.DOOR_MODE_CHANGED),
          authorId: actor.userId,
          description: `door ${before.id} mode changed`,
          targetId: before.id,
          data: { event: "MODE_CHANGED", door: before.id, from: before.mode, to: mode },
        });
      });
      return { door_id: before.id, alias: before.alias, mode };
    }
    ctx.transaction(() => setDoorMode(db, door_id, mode));
    const status = await callController(controller, {
      type: "door.set_mode",
      doorId: door_id,
      mode,
      authorId: actor.userId,
    }, signal);
    return statusContent(status);
  },
});
