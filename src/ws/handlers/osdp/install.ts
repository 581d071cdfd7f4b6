/**
 * `osdp-reader.install` (ours): puts one OSDP reader in install mode, the
 * only way a reader gets a Secure Channel key. The controller then runs the
 * handshake under the default key SCBK-D, sends a fresh random key with
 * osdp_KEYSET, stores it sealed with the installation secret, and
 * reconnects under it. Install mode ends by itself after success or after
 * `timeout` seconds (default 120, 10 to 600); one reader per bus at a time.
 * Administrators only (HARDWARE_WRITE); audited.
 *
 * Request: `{reader_id, timeout?}`. Reply: `{}`.
 *
 * @module
 */
import { BadRequestError } from "../../../errors.ts";
import { AUDIT_EVENT, AUDIT_KIND, auditMask } from "../../../store/audit.ts";
import { defineEndpoint } from "../../endpoint.ts";
import { callController, requireController } from "../_controller.ts";
import { decodeReaderId, findOsdpReader } from "./_reader.ts";

/** Install mode's default length, seconds. */
export const DEFAULT_INSTALL_TIMEOUT_S = 120;

function decode(value: unknown): { readerId: string; timeoutS: number } {
  const { o, readerId } = decodeReaderId(value);
  const timeout = o.timeout ?? DEFAULT_INSTALL_TIMEOUT_S;
  if (typeof timeout !== "number" || !Number.isInteger(timeout) || timeout < 10 || timeout > 600) {
    throw new BadRequestError("Invalid value for `timeout`: expected 10 to 600 seconds");
  }
  return { readerId, timeoutS: timeout };
}

/** The declaration. */
export const osdpReaderInstall = defineEndpoint({
  names: ["osdp-reader.install"],
  session: "required",
  permission: { action: "HARDWARE_WRITE" },
  access: "write",
  scope: "local",
  audit: "always",
  wiring: false,
  decode,
  async handle(ctx, { readerId, timeoutS }, signal) {
    const device = findOsdpReader(ctx.store.db, readerId);
    const controller = requireController(ctx);
    await callController(
      controller,
      { type: "osdp.install", readerId, timeoutMs: timeoutS * 1000 },
      signal,
    );
    ctx.transaction(() =>
      ctx.audit({
        kind: AUDIT_KIND.DEVICE,
        mask: auditMask(AUDIT_EVENT.DEVICE_UPDATED),
        authorId: ctx.require("HARDWARE_WRITE").userId,
        targetId: null,
        description: `OSDP reader ${device.name} put in install mode for ${timeoutS} s.`,
        data: { device_id: device.id, device_type: device.type, install_mode_s: timeoutS },
        before: null,
        after: null,
      })
    );
    return {};
  },
});
