/**
 * Scans an OSDP bus: for each address, osdp_ID at sequence 0 (CRC, then
 * checksum when the reader NAKs the CRC), then osdp_CAP. What answers is
 * reported with its identity and whether it offers Secure Channel. Used by
 * `leosac hardware probe --osdp PORT`.
 *
 * @module
 */
import { CAP_FUNCTION, CMD, NAK_REASON, REPLY } from "./codes.ts";
import { encodePacket, FrameReader, type Packet } from "./frame.ts";
import { type Capability, decodePdCap, decodePdId, type PdIdentity } from "./messages.ts";
import type { ByteLink } from "./serial_port.ts";

/** One address that answered. */
export interface ProbedPd {
  address: number;
  /** The reader answers CRC16 commands (else only checksums). */
  crc: boolean;
  identity: PdIdentity | null;
  capabilities: Capability[];
  /** osdp_PDCAP offers AES-128 Secure Channel. */
  secureChannel: boolean;
}

/** Options of {@linkcode probeBus}. */
export interface ProbeBusOptions {
  /** Addresses to try. @default 0-126 */
  addresses?: readonly number[];
  /** Wait for each reply, ms. @default 200 */
  replyTimeoutMs?: number;
  /** Inter-character timeout, ms. @default 20 */
  interCharTimeoutMs?: number;
}

/** Sends one command and waits for the reply from `address` (null: none, or a bad one). */
export async function exchange(
  link: ByteLink,
  bytes: Uint8Array,
  address: number,
  options: { replyTimeoutMs: number; interCharTimeoutMs: number },
): Promise<Packet | null> {
  const reader = new FrameReader();
  await link.write(bytes);
  const deadline = performance.now() + options.replyTimeoutMs;
  for (;;) {
    const left = deadline - performance.now();
    if (left <= 0) return null;
    const wait = reader.pending > 0 ? Math.min(left, options.interCharTimeoutMs) : left;
    const chunk = await link.read(wait);
    if (chunk.length === 0) {
      if (reader.pending > 0) reader.reset();
      continue;
    }
    for (const result of reader.push(chunk)) {
      if (result.kind === "error") {
        if (result.error.reason === "check") return null;
        continue;
      }
      if (result.packet.reply && result.packet.address === address) return result.packet;
    }
  }
}

/** Scans the addresses of a bus; the link stays open. */
export async function probeBus(link: ByteLink, options: ProbeBusOptions = {}): Promise<ProbedPd[]> {
  const timing = {
    replyTimeoutMs: options.replyTimeoutMs ?? 200,
    interCharTimeoutMs: options.interCharTimeoutMs ?? 20,
  };
  const addresses = options.addresses ?? Array.from({ length: 127 }, (_, i) => i);
  const found: ProbedPd[] = [];
  for (const address of addresses) {
    let crc = true;
    let reply = await exchange(
      link,
      encodePacket({ address, sequence: 0, useCrc: true, code: CMD.ID, data: Uint8Array.of(0) }),
      address,
      timing,
    );
    if (reply?.code === REPLY.NAK && reply.data[0] === NAK_REASON.CHECK_CHARACTER) {
      crc = false;
      reply = await exchange(
        link,
        encodePacket({ address, sequence: 0, useCrc: false, code: CMD.ID, data: Uint8Array.of(0) }),
        address,
        timing,
      );
    }
    if (reply === null) continue;
    let identity: PdIdentity | null = null;
    try {
      if (reply.code === REPLY.PDID) identity = decodePdId(reply.data);
    } catch { /* an answer all the same */ }
    let capabilities: Capability[] = [];
    const cap = await exchange(
      link,
      encodePacket({ address, sequence: 1, useCrc: crc, code: CMD.CAP, data: Uint8Array.of(0) }),
      address,
      timing,
    );
    try {
      if (cap?.code === REPLY.PDCAP) capabilities = decodePdCap(cap.data);
    } catch { /* left empty */ }
    const security = capabilities.find((c) => c.function === CAP_FUNCTION.SECURITY);
    found.push({
      address,
      crc,
      identity,
      capabilities,
      secureChannel: ((security?.compliance ?? 0) & 1) === 1,
    });
  }
  return found;
}
