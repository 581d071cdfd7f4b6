/**
 * `osdp-reader.status` (ours): every running OSDP reader's state as the
 * controller sees it: online, Secure Channel up, trusted, tamper, power,
 * install mode, CRC or checksum, its identity (vendor, model, serial,
 * firmware), its door, when it last read a card, and why its bus is down
 * (the serial port's error, tried again every 2 s) or null. Never a key.
 * Supervisor and up (HARDWARE_READ).
 *
 * Reply: `{data: [{reader_id, name, bus_id, door_id, address, online, secure, trusted,
 * tamper, power, install_mode, use_crc, identity, last_card_at, bus_error}]}`; empty without a
 * controller.
 *
 * @module
 */
import { defineEndpoint } from "../../endpoint.ts";
import { ignored } from "../../validate.ts";
import { callController } from "../_controller.ts";

/** The declaration. */
export const osdpReaderStatus = defineEndpoint({
  names: ["osdp-reader.status"],
  session: "required",
  permission: { action: "HARDWARE_READ" },
  access: "read",
  audit: "failures",
  wiring: false,
  decode: ignored,
  async handle(ctx, _content, signal) {
    const controller = ctx.controller;
    if (controller === null) return { data: [] };
    const readers = await callController(controller, { type: "osdp.status" }, signal);
    return {
      data: readers.map((r) => ({
        reader_id: r.readerId,
        name: r.name,
        bus_id: r.busId,
        door_id: r.doorId,
        address: r.address,
        online: r.online,
        secure: r.secure,
        trusted: r.trusted,
        tamper: r.tamper,
        power: r.power,
        install_mode: r.installMode,
        use_crc: r.useCrc,
        identity: r.identity,
        last_card_at: r.lastCardAt === null ? null : new Date(r.lastCardAt).toISOString(),
        bus_error: r.busError,
      })),
    };
  },
});
