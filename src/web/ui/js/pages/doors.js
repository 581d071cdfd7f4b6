// @ts-check
// Doors & readers: doors (wiring and timing), access points (reader and its
// mode), zones (anti-passback), and devices (GPIO lines, Wiegand readers,
// LEDs, buzzers), OSDP buses and readers. One module per resource in doors/.

import { accessPointEditor, accessPointList } from "./doors/access_point.js";
import { deviceEditor, deviceList } from "./doors/devices.js";
import { doorEditor, doorList } from "./doors/door.js";
import { osdpPage } from "./doors/osdp.js";
import { osdpEditor } from "./doors/osdp_editor.js";
import { zoneEditor, zoneList } from "./doors/zone.js";

/**
 * Renders the Doors & readers section into `view`.
 * @param {HTMLElement} view
 * @param {import("../types.js").PageContext} ctx
 * @returns {Promise<void>}
 */
export async function render(view, ctx) {
  const [sub, a, b] = ctx.params;
  /** @type {Record<string, () => Promise<unknown>>} */
  const routes = {
    "access-points": () => accessPointList(view, ctx),
    "access-point": () => accessPointEditor(view, ctx, a),
    "zones": () => zoneList(view, ctx),
    "zone": () => zoneEditor(view, ctx, a),
    "devices": () => deviceList(view, ctx),
    "device": () => deviceEditor(view, ctx, a, b),
    "door": () => doorEditor(view, ctx, a),
    "osdp": () => a ? osdpEditor(view, ctx, a, b) : osdpPage(view, ctx),
  };
  await (routes[sub ?? ""] ?? (() => doorList(view, ctx)))();
}
