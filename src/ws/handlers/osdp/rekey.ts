/**
 * `osdp-reader.rekey` (ours): gives one OSDP reader a fresh random Secure
 * Channel key. The reader must be online in Secure Channel under its current
 * key (not in install mode); the controller that runs it sends osdp_KEYSET
 * inside the session and stores the new key, sealed, only once the reader
 * acknowledges it (until then it is kept as the reader's pending key, so a
 * lost acknowledgement never leaves the controller without the key the
 * reader holds: the next handshake tries the new key, then the old one).
 * Administrators only (HARDWARE_WRITE); audited, never with key material.
 *
 * Request: `{reader_id}`. Reply: `{}` once the reader took the key; status 1
 * (GENERAL_FAILURE, `[LEOSACException]: …`) with a sentence when the reader is not running here, is
 * offline, not in Secure Channel, in install mode or already changing its
 * key, refuses the key (NAK) or does not confirm it in time.
 *
 * @module
 */
import { AUDIT_EVENT, AUDIT_KIND, auditMask } from "../../../store/audit.ts";
import { defineEndpoint } from "../../endpoint.ts";
import { callController, requireController } from "../_controller.ts";
import { decodeReaderId, findOsdpReader } from "./_reader.ts";

function decode(value: unknown): { readerId: string } {
  const { readerId } = decodeReaderId(value);
  return { readerId };
}

/** The declaration. */
export const osdpReaderRekey = defineEndpoint({
  names: ["osdp-reader.rekey"],
  session: "required",
  permission: { action: "HARDWARE_WRITE" },
  access: "write",
  scope: "local",
  audit: "always",
  wiring: false,
  decode,
  async handle(ctx, { readerId }, signal) {
    const device = findOsdpReader(ctx.store.db, readerId);
    const controller = requireController(ctx);
    await callController(controller, { type: "osdp.rekey", readerId }, signal);
    ctx.transaction(() =>
      ctx.audit({
        kind: AUDIT_KIND.DEVICE,
        mask: auditMask(AUDIT_EVENT.DEVICE_UPDATED),
        authorId: ctx.require("HARDWARE_WRITE").userId,
        targetId: null,
        description: `OSDP reader ${device.name} has a new Secure Channel key.`,
        data: { device_id: device.id, device_type: device.type, key_rotated: true },
        before: null,
        after: null,
      })
    );
    return {};
  },
});
