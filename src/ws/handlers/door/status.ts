/**
 * `door.status`: the live state of one door, or of every door for id 0
 * (mode, locked, open, alarms, whether its lines are wired). Without a
 * controller, what the database knows.
 *
 * @module
 */
import { listDoors } from "../../../store/doors.ts";
import { defineEndpoint } from "../../endpoint.ts";
import { id, object } from "../../validate.ts";
import { callController } from "../_controller.ts";
import { findDoor, statusContent } from "./_door.ts";

/** The request content. */
const decode = object({ door_id: id });

/** The declaration. */
export const doorStatus = defineEndpoint({
  names: ["door.status"],
  session: "required",
  permission: { action: "DOOR_STATUS", byHandler: true },
  access: "read",
  audit: "failures",
  wiring: false,
  decode,
  async handle(ctx, { door_id }, signal) {
    ctx.require("DOOR_STATUS", { doorId: door_id });
    if (door_id !== 0) findDoor(ctx.store.db, door_id);
    const controller = ctx.controller;
    if (controller === null) {
      const doors = listDoors(ctx.store.db).filter((d) => door_id === 0 || d.id === door_id);
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
    const statuses = await callController(
      controller,
      { type: "door.status", doorId: door_id },
      signal,
    );
    return { doors: statuses.map(statusContent) };
  },
});
