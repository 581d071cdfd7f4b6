/**
 * `door.status`: the live state of one door, or of every door for id 0
 * (mode, locked, open, alarms, whether its lines are wired). Without a
 * controller, what the database knows.
 *
 * In a site every door of the site is listed, each with its `controller`
 * and `online`: this controller's doors as above (`online` true); the
 * others from the site's live door states (`src/site/doors.ts`), with
 * `updated_at` (Unix ms) and `online` false once their controller has not
 * refreshed them for 30 s; a door known here whose controller has published
 * nothing (or while the site cannot be read) only as `{door_id, alias,
 * controller, online: false, updated_at: null, alarms: [], wired: false}`.
 *
 * @module
 */
import type { SiteDoorState } from "../../../site/door_command.ts";
import { type Door, listDoors } from "../../../store/doors.ts";
import { isOwnRow } from "../../../store/owner.ts";
import { defineEndpoint } from "../../endpoint.ts";
import { id, object } from "../../validate.ts";
import { callController } from "../_controller.ts";
import { findDoor, statusContent } from "./_door.ts";
import type { ControllerPort } from "../../../controller/port.ts";

/** The request content. */
const decode = object({ door_id: id });

type Content = Record<string, unknown>;

/** This controller's doors' statuses: from the controller, else from the database. */
async function localStatuses(
  controller: ControllerPort | null,
  doors: readonly Door[],
  doorId: number,
  signal: AbortSignal,
): Promise<Content[]> {
  if (controller === null) {
    return doors.map((d) => ({
      door_id: d.id,
      alias: d.alias,
      mode: d.mode,
      locked: d.mode !== "unlocked",
      open: false,
      alarms: [],
      wired: false,
    }));
  }
  if (doors.length === 0) return [];
  const statuses = await callController(controller, { type: "door.status", doorId }, signal);
  return statuses.map(statusContent);
}

/** A remote door's entry: its published state, or only what the database knows. */
function remoteContent(door: Door | undefined, state: SiteDoorState | undefined): Content {
  if (state !== undefined) {
    return {
      door_id: state.door_id,
      alias: state.alias,
      mode: state.mode,
      locked: state.locked,
      open: state.open,
      alarms: state.alarms,
      wired: state.wired,
      controller: state.controller,
      online: state.online,
      updated_at: state.updated_at,
    };
  }
  return {
    door_id: door!.id,
    alias: door!.alias,
    controller: door!.controller,
    online: false,
    updated_at: null,
    alarms: [],
    wired: false,
  };
}

/** The declaration. */
export const doorStatus = defineEndpoint({
  names: ["door.status"],
  session: "required",
  permission: { action: "DOOR_STATUS", byHandler: true },
  access: "read",
  audit: "failures",
  wiring: false,
  uses: ["site"],
  decode,
  async handle(ctx, { door_id }, signal) {
    ctx.require("DOOR_STATUS", { doorId: door_id });
    const db = ctx.store.db;
    // Every read of the database happens before the first await (the read snapshot).
    const doors = door_id === 0 ? listDoors(db) : [findDoor(db, door_id)];
    const site = ctx.services.site;
    if (site === null) {
      return { doors: await localStatuses(ctx.controller, doors, door_id, signal) };
    }

    const name = site.controller;
    const own = doors.filter((d) => isOwnRow(d.controller, name));
    const remote = new Map(doors.filter((d) => !own.includes(d)).map((d) => [d.id, d]));
    const wantsRemote = door_id === 0 || remote.size > 0;
    const [local, states] = await Promise.all([
      localStatuses(ctx.controller, own, door_id, signal),
      wantsRemote ? site.doors?.states() ?? Promise.resolve(null) : Promise.resolve(null),
    ]);
    const rows: Content[] = local.map((s) => ({ ...s, controller: name, online: true }));
    const listed = new Set<number>(rows.map((r) => r.door_id as number));
    for (const state of states ?? []) {
      if (state.controller === name || listed.has(state.door_id)) continue;
      if (door_id !== 0 && state.door_id !== door_id) continue;
      const known = remote.get(state.door_id);
      // The database names the owner; a state published by another is not this door's.
      if (known !== undefined && known.controller !== state.controller) continue;
      rows.push(remoteContent(known, state));
      listed.add(state.door_id);
    }
    for (const door of remote.values()) {
      if (!listed.has(door.id)) rows.push(remoteContent(door, undefined));
    }
    return { doors: rows.sort((a, b) => (a.door_id as number) - (b.door_id as number)) };
  },
});
