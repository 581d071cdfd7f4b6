/**
 * Simulated OSDP readers for `serve --hardware sim`: an `osdp-bus` whose port
 * is `sim:NAME` runs its control panel against a {@linkcode SimOsdpBus}, an
 * in-process {@linkcode ByteLink} that answers for one {@linkcode SimOsdpPd}
 * per configured reader. The control panel is the real one (framing,
 * sequence numbers, Secure Channel, supervision); only the wire is replaced.
 *
 * A simulated reader holds the key the controller stored for it (or none:
 * factory state, it then accepts SCBK-D, so install mode gives it a key), so
 * a `secure` reader runs Secure Channel as a real one would. It reports the
 * cards and keys `hardware.simulate` presents and remembers the LED colours it
 * was told to show.
 *
 * This is simulator code: the CP tests use the independent emulator in
 * `tests/_osdp_pd.ts`, which shares no framing or crypto code with `src/`.
 *
 * @module
 */
import { CMD, LED_COLOR, NAK_REASON, REPLY, SCBK_D, SCS } from "../osdp/codes.ts";
import { encodePacket, FrameReader, type Packet } from "../osdp/frame.ts";
import { encodeRaw } from "../osdp/messages.ts";
import {
  clientCryptogram,
  computeMac,
  decryptData,
  deriveSessionKeys,
  encryptData,
  initialRmac,
  randomChallenge,
  sameBytes,
  serverCryptogram,
  type SessionKeys,
} from "../osdp/secure_channel.ts";
import type { ByteLink } from "../osdp/serial_port.ts";

/** The LED colour names a simulated reader reports. */
export const LED_COLOR_NAMES: Record<number, string> = {
  [LED_COLOR.BLACK]: "off",
  [LED_COLOR.RED]: "red",
  [LED_COLOR.GREEN]: "green",
  [LED_COLOR.AMBER]: "amber",
  [LED_COLOR.BLUE]: "blue",
};

/** Inputs a simulated reader holds before refusing more. */
export const MAX_SIM_QUEUED_INPUTS = 32;

/** Options of {@linkcode SimOsdpPd}. */
export interface SimOsdpPdOptions {
  address: number;
  /** Its SCBK, or null (factory state: accepts SCBK-D). */
  scbk: Uint8Array | null;
}

interface Session {
  keys: SessionKeys;
  /** The CP's last MAC (16 bytes). */
  cmac: Uint8Array;
  /** The PD's last MAC (16 bytes). */
  rmac: Uint8Array;
}

/** One simulated reader. */
export class SimOsdpPd {
  readonly address: number;
  #scbk: Uint8Array | null;
  #session: Session | null = null;
  #pending: { keys: SessionKeys; cp: Uint8Array; pd: Uint8Array } | null = null;
  readonly #inputs: { code: number; data: Uint8Array }[] = [];
  #lastSeq: number | null = null;
  #lastCode = -1;
  #lastReply: Uint8Array | null = null;
  #useCrc = true;
  #ledWaiters: ((color: string) => void)[] = [];
  /** The temporary colour of every LED command received, in order (at most 100 kept). */
  readonly leds: string[] = [];

  constructor(options: SimOsdpPdOptions) {
    this.address = options.address;
    this.#scbk = options.scbk?.slice() ?? null;
  }

  /** Whether a Secure Channel session is up. */
  get secure(): boolean {
    return this.#session !== null;
  }

  /**
   * Queues a card read (Wiegand bits, MSB first).
   *
   * @throws {RangeError} when too many inputs wait
   */
  presentCard(bits: bigint, bitCount: number): void {
    this.#queue({
      code: REPLY.RAW,
      data: encodeRaw({ reader: 0, format: 1, bitCount, bits }),
    });
  }

  /**
   * Queues keys (`0-9`, `*`, `#`).
   *
   * @throws {RangeError} for another character, more than 32 keys, or too many inputs waiting
   */
  pressKeys(keys: string): void {
    if (!/^[0-9*#]{1,32}$/.test(keys)) throw new RangeError("keys must be 1 to 32 of 0-9, * and #");
    const codes = [...keys].map((k) => (k === "*" ? 0x7f : k === "#" ? 0x0d : k.charCodeAt(0)));
    this.#queue({ code: REPLY.KEYPAD, data: Uint8Array.from([0, codes.length, ...codes]) });
  }

  /** Resolves with the colour of the next LED command, or null after `timeoutMs`. */
  nextLed(timeoutMs: number): Promise<string | null> {
    return new Promise((resolve) => {
      const waiter = (color: string) => {
        clearTimeout(timer);
        resolve(color);
      };
      const timer = setTimeout(() => {
        this.#ledWaiters = this.#ledWaiters.filter((w) => w !== waiter);
        resolve(null);
      }, timeoutMs);
      this.#ledWaiters.push(waiter);
    });
  }

  #queue(input: { code: number; data: Uint8Array }): void {
    if (this.#inputs.length >= MAX_SIM_QUEUED_INPUTS) {
      throw new RangeError(`${MAX_SIM_QUEUED_INPUTS} simulated inputs are already waiting`);
    }
    this.#inputs.push(input);
  }

  /** The reply to one command packet, or null for none. */
  handle(packet: Packet): Uint8Array | null {
    this.#useCrc = packet.useCrc;
    if (packet.sequence === 0) {
      this.#session = null;
      this.#pending = null;
      this.#lastReply = null;
    } else if (
      packet.sequence === this.#lastSeq && packet.code === this.#lastCode &&
      this.#lastReply !== null
    ) {
      return this.#lastReply; // the CP lost our reply: the same bytes again
    }
    const reply = this.#process(packet);
    this.#lastSeq = packet.sequence;
    this.#lastCode = packet.code;
    this.#lastReply = reply;
    return reply;
  }

  #process(p: Packet): Uint8Array {
    let data = p.data;
    const secureCommand = p.securityType === SCS.CP_MAC || p.securityType === SCS.CP_MAC_ENC;
    if (secureCommand) {
      const s = this.#session;
      if (s === null || p.mac === null) return this.#nak(p, NAK_REASON.ENCRYPTION, true);
      const full = computeMac(s.keys, s.rmac, p.macInput);
      if (!sameBytes(full.subarray(0, 4), p.mac)) {
        this.#session = null;
        return this.#nak(p, NAK_REASON.ENCRYPTION, true);
      }
      s.cmac = full;
      if (p.securityType === SCS.CP_MAC_ENC) {
        try {
          data = decryptData(s.keys, s.rmac, p.data);
        } catch {
          this.#session = null;
          return this.#nak(p, NAK_REASON.ENCRYPTION, true);
        }
      }
    } else if (this.#session !== null && p.code !== CMD.CHLNG && p.code !== CMD.SCRYPT) {
      this.#session = null; // a plain command ends the session
    }
    switch (p.code) {
      case CMD.ID:
        return this.#reply(
          p,
          REPLY.PDID,
          // vendor, model 1, version 1, serial = address, firmware 1.0.0
          Uint8Array.of(0x53, 0x49, 0x4d, 1, 1, this.address, 0, 0, 0, 1, 0, 0),
        );
      case CMD.CAP:
        // card data (RAW), keypad, Secure Channel (default key while factory), receive size
        return this.#reply(
          p,
          REPLY.PDCAP,
          Uint8Array.of(4, 1, 1, 5, 1, 1, 9, 1, this.#scbk === null ? 1 : 0, 10, 0x80, 0x05),
        );
      case CMD.ACURXSIZE:
        return this.#reply(p, REPLY.ACK, new Uint8Array(0));
      case CMD.CHLNG:
        return this.#challenge(p);
      case CMD.SCRYPT:
        return this.#scrypt(p);
      case CMD.KEYSET:
        if (this.#session === null || data[0] !== 1 || data[1] !== 16 || data.length < 18) {
          return this.#reply(p, REPLY.NAK, Uint8Array.of(NAK_REASON.SECURITY_CONDITION));
        }
        this.#scbk = data.slice(2, 18);
        return this.#reply(p, REPLY.ACK, new Uint8Array(0));
      case CMD.POLL: {
        const input = this.#inputs.shift();
        if (input !== undefined) return this.#reply(p, input.code, input.data);
        return this.#reply(p, REPLY.ACK, new Uint8Array(0));
      }
      case CMD.LSTAT:
        return this.#reply(p, REPLY.LSTATR, Uint8Array.of(0, 0));
      case CMD.LED: {
        const color = LED_COLOR_NAMES[data[5] ?? -1] ?? "unknown";
        this.leds.push(color);
        if (this.leds.length > 100) this.leds.shift();
        const waiters = this.#ledWaiters;
        this.#ledWaiters = [];
        for (const w of waiters) w(color);
        return this.#reply(p, REPLY.ACK, new Uint8Array(0));
      }
      case CMD.BUZ:
      case CMD.OUT:
        return this.#reply(p, REPLY.ACK, new Uint8Array(0));
      default:
        return this.#reply(p, REPLY.NAK, Uint8Array.of(NAK_REASON.UNKNOWN_COMMAND));
    }
  }

  #challenge(p: Packet): Uint8Array {
    this.#session = null;
    this.#pending = null;
    const wantsDefault = p.securityData[0] === 0;
    const key = wantsDefault ? (this.#scbk === null ? SCBK_D : null) : this.#scbk;
    if (key === null || p.data.length < 8) {
      return this.#reply(p, REPLY.NAK, Uint8Array.of(NAK_REASON.SECURITY_CONDITION));
    }
    const cp = p.data.slice(0, 8);
    const pd = randomChallenge();
    const keys = deriveSessionKeys(key, cp);
    this.#pending = { keys, cp, pd };
    const uid = Uint8Array.of(0x53, 0x49, 0x4d, 0, 0, 0, 0, this.address);
    const data = new Uint8Array(32);
    data.set(uid);
    data.set(pd, 8);
    data.set(clientCryptogram(keys, cp, pd), 16);
    return this.#encode(p, REPLY.CCRYPT, data, Uint8Array.of(3, SCS.CCRYPT, wantsDefault ? 0 : 1));
  }

  #scrypt(p: Packet): Uint8Array {
    const pending = this.#pending;
    this.#pending = null;
    if (pending === null) {
      return this.#reply(p, REPLY.NAK, Uint8Array.of(NAK_REASON.SECURITY_CONDITION));
    }
    const server = serverCryptogram(pending.keys, pending.cp, pending.pd);
    if (!sameBytes(server, p.data.subarray(0, 16))) {
      return this.#reply(p, REPLY.NAK, Uint8Array.of(NAK_REASON.SECURITY_CONDITION));
    }
    const rmacI = initialRmac(pending.keys, server);
    const reply = this.#encode(p, REPLY.RMAC_I, rmacI, Uint8Array.of(3, SCS.RMAC_I, 1));
    this.#session = { keys: pending.keys, cmac: rmacI, rmac: rmacI };
    return reply;
  }

  #nak(p: Packet, reason: number, plain: boolean): Uint8Array {
    return plain
      ? this.#encode(p, REPLY.NAK, Uint8Array.of(reason), null)
      : this.#reply(p, REPLY.NAK, Uint8Array.of(reason));
  }

  /** A reply in the current mode: MAC'd (and encrypted) inside a session. */
  #reply(p: Packet, code: number, data: Uint8Array): Uint8Array {
    const s = this.#session;
    if (s === null) return this.#encode(p, code, data, null);
    const sealed = data.length > 0 ? encryptData(s.keys, s.cmac, data) : data;
    const type = data.length > 0 ? SCS.PD_MAC_ENC : SCS.PD_MAC;
    return encodePacket({
      address: this.address,
      reply: true,
      sequence: p.sequence,
      useCrc: this.#useCrc,
      securityBlock: Uint8Array.of(2, type),
      code,
      data: sealed,
    }, (input) => {
      s.rmac = computeMac(s.keys, s.cmac, input);
      return s.rmac;
    });
  }

  #encode(p: Packet, code: number, data: Uint8Array, scb: Uint8Array | null): Uint8Array {
    return encodePacket({
      address: this.address,
      reply: true,
      sequence: p.sequence,
      useCrc: this.#useCrc,
      securityBlock: scb,
      code,
      data,
    });
  }
}

/** A simulated RS-485 line: the CP writes commands, the addressed {@linkcode SimOsdpPd} answers. */
export class SimOsdpBus implements ByteLink {
  readonly path: string;
  readonly #pds = new Map<number, SimOsdpPd>();
  readonly #reader = new FrameReader();
  #out: Uint8Array[] = [];
  #wake: (() => void) | null = null;
  #closed = false;

  constructor(path: string, pds: readonly SimOsdpPd[]) {
    this.path = path;
    for (const pd of pds) this.#pds.set(pd.address, pd);
  }

  /** The reader at `address`, if any. */
  pd(address: number): SimOsdpPd | undefined {
    return this.#pds.get(address);
  }

  write(bytes: Uint8Array): Promise<void> {
    if (this.#closed) return Promise.reject(new Error(`simulated bus "${this.path}" is closed`));
    for (const result of this.#reader.push(bytes)) {
      if (result.kind !== "packet" || result.packet.reply) continue;
      const reply = this.#pds.get(result.packet.address)?.handle(result.packet) ?? null;
      if (reply !== null) this.#out.push(reply);
    }
    if (this.#out.length > 0) this.#wake?.();
    return Promise.resolve();
  }

  async read(timeoutMs: number): Promise<Uint8Array> {
    if (this.#closed) throw new Error(`simulated bus "${this.path}" is closed`);
    if (this.#out.length === 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          this.#wake = null;
          resolve();
        }, timeoutMs);
        this.#wake = () => {
          clearTimeout(timer);
          this.#wake = null;
          resolve();
        };
      });
    }
    const chunks = this.#out;
    this.#out = [];
    const total = chunks.reduce((n, c) => n + c.length, 0);
    const out = new Uint8Array(total);
    let at = 0;
    for (const c of chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }

  close(): Promise<void> {
    this.#closed = true;
    this.#wake?.();
    return Promise.resolve();
  }
}
