/**
 * An OSDP PD (reader) emulator for the CP tests, written from the SIA OSDP
 * 2.2 facts in the reference notes and sharing NO framing or crypto code with
 * `src/hardware/osdp/` (its own table CRC, checksum, parser, and CBC built
 * from single AES-ECB blocks), so that a bug on one side cannot hide in the
 * other; the Annex E vectors anchor both (see `osdp_cp_test.ts`).
 *
 * One {@linkcode PdBusEmulator} answers for several PDs on the master end of
 * a pseudo-terminal (the byte transport, `openPty`, is the only thing taken
 * from `src/`). Each {@linkcode EmulatedPd} has test controls: present a card
 * or keys, tamper, mute (unplug), answer BUSY, drop or corrupt its next reply,
 * NAK, refuse a new key or take it and fall silent, refuse or downgrade
 * Secure Channel, report a text display in osdp_PDCAP; and records what it
 * was told (LED, buzzer, output, text, keys set, repeated sequences).
 *
 * @module
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import type { SerialPort } from "../src/hardware/osdp/serial_port.ts";

// ---- CRC-16/CCITT (poly 0x1021, init 0x1D0F), table-driven ----
const CRC_TABLE = new Uint16Array(256);
for (let n = 0; n < 256; n++) {
  let c = n << 8;
  for (let k = 0; k < 8; k++) c = c & 0x8000 ? ((c << 1) ^ 0x1021) & 0xffff : (c << 1) & 0xffff;
  CRC_TABLE[n] = c;
}
function pdCrc(bytes: Uint8Array): number {
  let crc = 0x1d0f;
  for (const b of bytes) crc = ((crc << 8) & 0xffff) ^ CRC_TABLE[((crc >> 8) ^ b) & 0xff]!;
  return crc;
}
function pdChecksum(bytes: Uint8Array): number {
  return (256 - (bytes.reduce((a, b) => a + b, 0) % 256)) % 256;
}

// ---- AES: one block at a time ----
function ecb(key: Uint8Array, block: Uint8Array): Uint8Array {
  const c = createCipheriv("aes-128-ecb", key, null);
  c.setAutoPadding(false);
  return new Uint8Array(c.update(block));
}
function ecbDecrypt(key: Uint8Array, block: Uint8Array): Uint8Array {
  const d = createDecipheriv("aes-128-ecb", key, null);
  d.setAutoPadding(false);
  return new Uint8Array(d.update(block));
}
function xor(a: Uint8Array, b: Uint8Array): Uint8Array {
  return a.map((v, i) => v ^ b[i]!);
}
function blocks(data: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < data.length; i += 16) out.push(data.slice(i, i + 16));
  return out;
}
function pad80(data: Uint8Array, always: boolean): Uint8Array {
  if (!always && data.length % 16 === 0 && data.length > 0) return data;
  const out = new Uint8Array(Math.ceil((data.length + 1) / 16) * 16);
  out.set(data);
  out[data.length] = 0x80;
  return out;
}
/** CBC-MAC: blocks under S-MAC1, the last under S-MAC2. */
function pdMac(mac1: Uint8Array, mac2: Uint8Array, iv: Uint8Array, msg: Uint8Array): Uint8Array {
  const bs = blocks(pad80(msg, false));
  let x = iv;
  bs.forEach((b, i) => (x = ecb(i === bs.length - 1 ? mac2 : mac1, xor(x, b))));
  return x;
}
function notBlock(b: Uint8Array): Uint8Array {
  return b.map((v) => 0xff ^ v);
}
function cbcEncrypt(key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array {
  let x = iv;
  const out: number[] = [];
  for (const b of blocks(pad80(data, true))) {
    x = ecb(key, xor(x, b));
    out.push(...x);
  }
  return Uint8Array.from(out);
}
function cbcDecrypt(key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array | null {
  if (data.length % 16 !== 0 || data.length === 0) return null;
  let prev = iv;
  const out: number[] = [];
  for (const b of blocks(data)) {
    out.push(...xor(ecbDecrypt(key, b), prev));
    prev = b;
  }
  const end = out.lastIndexOf(0x80);
  if (end < 0 || out.slice(end + 1).some((v) => v !== 0)) return null;
  return Uint8Array.from(out.slice(0, end));
}
function same(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** SCBK-D as the reader knows it. */
export const PD_SCBK_D = new Uint8Array([
  0x30,
  0x31,
  0x32,
  0x33,
  0x34,
  0x35,
  0x36,
  0x37,
  0x38,
  0x39,
  0x3a,
  0x3b,
  0x3c,
  0x3d,
  0x3e,
  0x3f,
]);

/** How a reader misbehaves about Secure Channel. */
export type Downgrade =
  | "none"
  /** NAK 5 to the challenge ("no Secure Channel"), PDCAP without it. */
  | "refuse"
  /** Answers every challenge under SCBK-D (key byte 0). */
  | "default_key"
  /** Completes the handshake, then replies without MACs. */
  | "plain_replies";

/** Options of one emulated PD. */
export interface EmulatedPdOptions {
  address: number;
  /** Its SCBK, or null (factory state). */
  scbk?: Uint8Array | null;
  /** Accepts a handshake under SCBK-D (install mode on the reader). @default true when scbk is null */
  acceptDefaultKey?: boolean;
  /** Answers CRC commands with NAK 1 (a checksum-only reader). @default false */
  checksumOnly?: boolean;
  downgrade?: Downgrade;
  /** A text display to report in osdp_PDCAP (1, 2 or 4 rows of 16), or none. @default null */
  displayRows?: 1 | 2 | 4 | null;
}

/** An osdp_TEXT as the reader read it. */
export interface ReceivedText {
  reader: number;
  /** 1 permanent, 2 permanent wrapped, 3 temporary, 4 temporary wrapped. */
  command: number;
  tempSeconds: number;
  row: number;
  column: number;
  text: string;
  /** The command's data as received (decrypted). */
  bytes: Uint8Array;
}

/** Reads osdp_TEXT data: reader, command, temp time, row, column, length, characters; null when malformed. */
function readText(data: Uint8Array): ReceivedText | null {
  if (data.length < 6) return null;
  const [reader, command, tempSeconds, row, column, length] = data;
  if (data.length !== 6 + length! || command! < 1 || command! > 4 || row! < 1 || column! < 1) {
    return null;
  }
  let text = "";
  for (const byte of data.subarray(6)) text += String.fromCharCode(byte);
  return {
    reader: reader!,
    command: command!,
    tempSeconds: tempSeconds!,
    row: row!,
    column: column!,
    text,
    bytes: data.slice(),
  };
}

/** A received command, as the PD understood it. */
export interface SeenCommand {
  /** When it arrived (performance.now()). */
  atMs: number;
  code: number;
  sequence: number;
  data: Uint8Array;
  secure: boolean;
}

interface Frame {
  addr: number;
  seq: number;
  crc: boolean;
  scbType: number | null;
  scbData: Uint8Array;
  code: number;
  data: Uint8Array;
  mac: Uint8Array | null;
  macInput: Uint8Array;
}

/** One emulated reader. */
export class EmulatedPd {
  readonly address: number;
  scbk: Uint8Array | null;
  acceptDefaultKey: boolean;
  readonly checksumOnly: boolean;
  downgrade: Downgrade;
  /** Unplugged: answers nothing. */
  muted = false;
  /** Answer this many commands with BUSY. */
  busy = 0;
  /** Compute the next reply but do not send it (the CP must resend the command). */
  dropNextReply = false;
  /** Send the next reply with a wrong CRC/checksum. */
  corruptNextReply = false;
  /** NAK the next command with this reason. */
  nakNext: number | null = null;
  /** Refuse osdp_KEYSET with a NAK of this reason (the key is kept). */
  keysetNak: number | null = null;
  /** Take the next osdp_KEYSET's key, then fall silent (its ACK is lost, the reader unplugged). */
  silentAfterKeyset = false;
  tamper = false;
  power = false;
  /** Everything received, decrypted. */
  readonly seen: SeenCommand[] = [];
  /** LED records received. */
  readonly leds: Uint8Array[] = [];
  readonly buzzes: Uint8Array[] = [];
  readonly outputs: Uint8Array[] = [];
  /** osdp_TEXT commands received (only a reader with a display takes them). */
  readonly texts: ReceivedText[] = [];
  readonly displayRows: 1 | 2 | 4 | null;
  /** Replies resent because the CP repeated a sequence. */
  repeats = 0;
  /** Times the link was reset (sequence 0). */
  resets = 0;
  /** Replies actually sent, with the time. */
  readonly replies: { code: number; atMs: number }[] = [];
  readonly #inputs: { code: number; data: Uint8Array }[] = [];
  #lastSeq: number | null = null;
  #lastCode = -1;
  #lastReply: Uint8Array | null = null;
  #reportedStatus = "00";
  // Secure Channel
  #pending:
    | { enc: Uint8Array; mac1: Uint8Array; mac2: Uint8Array; cp: Uint8Array; pd: Uint8Array }
    | null = null;
  #session: {
    enc: Uint8Array;
    mac1: Uint8Array;
    mac2: Uint8Array;
    cmac: Uint8Array;
    rmac: Uint8Array;
  } | null = null;

  constructor(options: EmulatedPdOptions) {
    this.address = options.address;
    this.scbk = options.scbk ?? null;
    this.acceptDefaultKey = options.acceptDefaultKey ?? this.scbk === null;
    this.checksumOnly = options.checksumOnly ?? false;
    this.downgrade = options.downgrade ?? "none";
    this.displayRows = options.displayRows ?? null;
  }

  /** Whether a Secure Channel session is up. */
  get secure(): boolean {
    return this.#session !== null;
  }

  /** Presents a card: `bits` (MSB first) of `bitCount`, Wiegand format. */
  presentCard(bits: bigint, bitCount: number): void {
    const n = Math.ceil(bitCount / 8);
    const data = new Uint8Array(4 + n);
    data.set([0, 1, bitCount & 0xff, bitCount >> 8]);
    let v = bits << BigInt(n * 8 - bitCount);
    for (let i = n - 1; i >= 0; i--, v >>= 8n) data[4 + i] = Number(v & 0xffn);
    this.#inputs.push({ code: 0x50, data });
  }

  /** Types keys (digits, `*` sent as 0x7F, `#` as 0x0D). */
  pressKeys(keys: string): void {
    const codes = [...keys].map((k) => (k === "*" ? 0x7f : k === "#" ? 0x0d : k.charCodeAt(0)));
    this.#inputs.push({ code: 0x53, data: Uint8Array.from([0, codes.length, ...codes]) });
  }

  /** Inputs not yet reported. */
  get queuedInputs(): number {
    return this.#inputs.length;
  }

  /** The reply bytes for a command frame, or null for none. */
  handle(frame: Frame, nowMs: number): Uint8Array | null {
    if (this.muted) return null;
    if (this.busy > 0) {
      this.busy--;
      return this.#encode(0, frame.crc, 0x79, new Uint8Array(0), null);
    }
    if (this.checksumOnly && frame.crc) {
      return this.#encode(frame.seq, false, 0x41, Uint8Array.of(1), null);
    }
    if (frame.seq === 0) {
      this.resets++;
      this.#session = null;
      this.#pending = null;
      this.#lastSeq = null;
      this.#lastReply = null;
    } else if (frame.seq === this.#lastSeq && frame.code === this.#lastCode && this.#lastReply) {
      this.repeats++;
      return this.#lastReply;
    } else if (this.#lastSeq !== null && frame.seq !== (this.#lastSeq % 3) + 1) {
      return this.#remember(
        frame,
        this.#encode(frame.seq, frame.crc, 0x41, Uint8Array.of(4), null),
      );
    }
    const reply = this.#process(frame);
    const bytes = this.#remember(frame, reply);
    if (frame.code === 0x75 && this.silentAfterKeyset && this.#session !== null) {
      this.silentAfterKeyset = false;
      this.muted = true;
      return null;
    }
    if (this.dropNextReply) {
      this.dropNextReply = false;
      return null;
    }
    this.replies.push({ code: bytes[5 + (bytes[4]! & 0x08 ? bytes[5]! : 0)]!, atMs: nowMs });
    if (this.corruptNextReply) {
      this.corruptNextReply = false;
      const bad = bytes.slice();
      bad[bad.length - 1]! ^= 0x5a;
      return bad;
    }
    return bytes;
  }

  #remember(frame: Frame, bytes: Uint8Array): Uint8Array {
    this.#lastSeq = frame.seq;
    this.#lastCode = frame.code;
    this.#lastReply = bytes;
    return bytes;
  }

  #process(f: Frame): Uint8Array {
    const session = this.#session;
    let data = f.data;
    const secureCmd = f.scbType === 0x15 || f.scbType === 0x17;
    if (secureCmd) {
      if (session === null || f.mac === null) return this.#plainNak(f, 6);
      const full = pdMac(session.mac1, session.mac2, session.rmac, f.macInput);
      if (!same(full.subarray(0, 4), f.mac)) {
        this.#session = null;
        return this.#plainNak(f, 6);
      }
      session.cmac = full;
      if (f.scbType === 0x17) {
        const plain = cbcDecrypt(session.enc, notBlock(session.rmac), f.data);
        if (plain === null) return this.#plainNak(f, 6);
        data = plain;
      }
    } else if (session !== null && f.code !== 0x76 && f.code !== 0x77) {
      this.#session = null; // a plain command ends the session
    }
    this.seen.push({
      atMs: performance.now(),
      code: f.code,
      sequence: f.seq,
      data,
      secure: secureCmd,
    });
    if (this.nakNext !== null) {
      const reason = this.nakNext;
      this.nakNext = null;
      return this.#reply(f, 0x41, Uint8Array.of(reason));
    }
    switch (f.code) {
      case 0x61: // ID
        return this.#reply(
          f,
          0x45,
          Uint8Array.of(0x5c, 0x26, 0x23, 7, 1, 0x78, 0x56, 0x34, 0x12, 2, 4, 9),
        );
      case 0x62: { // CAP
        const sc = this.downgrade === "refuse" ? 0 : 1;
        const defaultKey = this.scbk === null ? 1 : 0;
        const caps = [4, 1, 1, 5, 1, 1, 9, sc, defaultKey, 10, 0x80, 0];
        // Function 6, text output: compliance 1, 2, 3 = 1, 2, 4 rows of 16; one display.
        if (this.displayRows !== null) caps.push(6, { 1: 1, 2: 2, 4: 3 }[this.displayRows], 1);
        return this.#reply(f, 0x46, Uint8Array.from(caps));
      }
      case 0x7b: // ACURXSIZE
        return this.#reply(f, 0x40, new Uint8Array(0));
      case 0x76:
        return this.#challenge(f);
      case 0x77:
        return this.#scrypt(f);
      case 0x75: { // KEYSET
        if (this.#session === null || data[0] !== 1 || data[1] !== 16) {
          return this.#reply(f, 0x41, Uint8Array.of(5));
        }
        if (this.keysetNak !== null) return this.#reply(f, 0x41, Uint8Array.of(this.keysetNak));
        this.scbk = data.slice(2, 18);
        this.acceptDefaultKey = false;
        return this.#reply(f, 0x40, new Uint8Array(0));
      }
      case 0x60: { // POLL
        const input = this.#inputs.shift();
        if (input !== undefined) return this.#reply(f, input.code, input.data);
        const status = `${+this.tamper}${+this.power}`;
        if (status !== this.#reportedStatus) {
          this.#reportedStatus = status;
          return this.#reply(f, 0x48, Uint8Array.of(+this.tamper, +this.power));
        }
        return this.#reply(f, 0x40, new Uint8Array(0));
      }
      case 0x64: // LSTAT
        this.#reportedStatus = `${+this.tamper}${+this.power}`;
        return this.#reply(f, 0x48, Uint8Array.of(+this.tamper, +this.power));
      case 0x69:
        this.leds.push(data);
        return this.#reply(f, 0x40, new Uint8Array(0));
      case 0x6a:
        this.buzzes.push(data);
        return this.#reply(f, 0x40, new Uint8Array(0));
      case 0x6b: { // TEXT
        if (this.displayRows === null) return this.#reply(f, 0x41, Uint8Array.of(3));
        const text = readText(data);
        if (text === null) return this.#reply(f, 0x41, Uint8Array.of(2));
        this.texts.push(text);
        return this.#reply(f, 0x40, new Uint8Array(0));
      }
      case 0x68:
        this.outputs.push(data);
        return this.#reply(f, 0x40, new Uint8Array(0));
      default:
        return this.#reply(f, 0x41, Uint8Array.of(3));
    }
  }

  #challenge(f: Frame): Uint8Array {
    this.#session = null;
    if (this.downgrade === "refuse") return this.#reply(f, 0x41, Uint8Array.of(5));
    const wantsDefault = f.scbData[0] === 0;
    let useDefault = wantsDefault;
    if (this.downgrade === "default_key") useDefault = true;
    else if (wantsDefault && !this.acceptDefaultKey) return this.#reply(f, 0x41, Uint8Array.of(5));
    const key = useDefault ? PD_SCBK_D : this.scbk;
    if (key === null) return this.#reply(f, 0x41, Uint8Array.of(5));
    const cp = f.data.slice(0, 8);
    const pd = new Uint8Array(randomBytes(8));
    const derive = (b: number) =>
      ecb(key, Uint8Array.of(1, b, ...cp.subarray(0, 6), 0, 0, 0, 0, 0, 0, 0, 0));
    const keys = { enc: derive(0x82), mac1: derive(0x01), mac2: derive(0x02) };
    this.#pending = { ...keys, cp, pd };
    const cryptogram = ecb(keys.enc, Uint8Array.of(...cp, ...pd));
    const uid = Uint8Array.of(0x5c, 0x26, 0x23, 0, 0, 0, 0, this.address);
    return this.#encode(f.seq, f.crc, 0x76, Uint8Array.of(...uid, ...pd, ...cryptogram), [
      0x12,
      useDefault ? 0 : 1,
    ]);
  }

  #scrypt(f: Frame): Uint8Array {
    const p = this.#pending;
    this.#pending = null;
    if (p === null) return this.#reply(f, 0x41, Uint8Array.of(5));
    const server = ecb(p.enc, Uint8Array.of(...p.pd, ...p.cp));
    if (!same(server, f.data.subarray(0, 16))) return this.#reply(f, 0x41, Uint8Array.of(5));
    const rmacI = ecb(p.mac2, ecb(p.mac1, server));
    const reply = this.#encode(f.seq, f.crc, 0x78, rmacI, [0x14, 1]);
    this.#session = { enc: p.enc, mac1: p.mac1, mac2: p.mac2, cmac: rmacI, rmac: rmacI };
    return reply;
  }

  #plainNak(f: Frame, reason: number): Uint8Array {
    this.seen.push({
      atMs: performance.now(),
      code: f.code,
      sequence: f.seq,
      data: f.data,
      secure: true,
    });
    return this.#encode(f.seq, f.crc, 0x41, Uint8Array.of(reason), null);
  }

  /** A reply in the current mode: MAC'd (and encrypted) inside a session. */
  #reply(f: Frame, code: number, data: Uint8Array): Uint8Array {
    const s = this.#session;
    if (s === null || this.downgrade === "plain_replies") {
      return this.#encode(f.seq, f.crc, code, data, null);
    }
    const sealed = data.length > 0 ? cbcEncrypt(s.enc, notBlock(s.cmac), data) : data;
    return this.#encode(f.seq, f.crc, code, sealed, [data.length > 0 ? 0x18 : 0x16], (input) => {
      s.rmac = pdMac(s.mac1, s.mac2, s.cmac, input);
      return s.rmac.subarray(0, 4);
    });
  }

  #encode(
    seq: number,
    crc: boolean,
    code: number,
    data: Uint8Array,
    scb: number[] | null,
    mac?: (input: Uint8Array) => Uint8Array,
  ): Uint8Array {
    const useCrc = crc && !this.checksumOnly;
    const block = scb === null ? [] : [scb.length + 1, ...scb];
    const body = [
      0x53,
      this.address | 0x80,
      0,
      0,
      seq | (useCrc ? 4 : 0) | (scb ? 8 : 0),
      ...block,
      code,
      ...data,
    ];
    const total = body.length + (mac ? 4 : 0) + (useCrc ? 2 : 1);
    body[2] = total & 0xff;
    body[3] = total >> 8;
    if (mac) body.push(...mac(Uint8Array.from(body)));
    if (useCrc) {
      const c = pdCrc(Uint8Array.from(body));
      body.push(c & 0xff, c >> 8);
    } else {
      body.push(pdChecksum(Uint8Array.from(body)));
    }
    return Uint8Array.from(body);
  }
}

/** Parses one command frame (SOM first); null when it is not a valid one. */
function parseCommand(bytes: Uint8Array): Frame | null {
  const len = bytes[2]! + bytes[3]! * 256;
  const ctrl = bytes[4]!;
  const crc = (ctrl & 4) !== 0;
  const body = bytes.subarray(0, len - (crc ? 2 : 1));
  if (
    crc
      ? pdCrc(body) !== bytes[len - 2]! + bytes[len - 1]! * 256
      : pdChecksum(body) !== bytes[len - 1]
  ) {
    return null;
  }
  let at = 5;
  let scbType: number | null = null;
  let scbData = new Uint8Array(0);
  if (ctrl & 8) {
    scbType = bytes[at + 1]!;
    scbData = bytes.slice(at + 2, at + bytes[at]!);
    at += bytes[at]!;
  }
  const hasMac = scbType !== null && scbType >= 0x15;
  const end = body.length - (hasMac ? 4 : 0);
  return {
    addr: bytes[1]! & 0x7f,
    seq: ctrl & 3,
    crc,
    scbType,
    scbData,
    code: bytes[at]!,
    data: bytes.slice(at + 1, end),
    mac: hasMac ? bytes.slice(end, end + 4) : null,
    macInput: bytes.slice(0, end),
  };
}

/** The PDs on one bus, answering on the master end of a pty. */
export class PdBusEmulator {
  readonly #port: SerialPort;
  readonly #pds = new Map<number, EmulatedPd>();
  #buffer: number[] = [];
  #running: Promise<void>;
  #stopped = false;
  /** Frames that failed their check (the CP's corruption never happens; kept for asserts). */
  badFrames = 0;

  constructor(port: SerialPort, pds: EmulatedPd[]) {
    this.#port = port;
    for (const pd of pds) this.#pds.set(pd.address, pd);
    this.#running = this.#run();
  }

  /** Stops answering and closes the master end. */
  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#port.close();
    await this.#running;
  }

  async #run(): Promise<void> {
    while (!this.#stopped) {
      let chunk: Uint8Array;
      try {
        chunk = await this.#port.read(100);
      } catch (error) {
        if (this.#stopped || !/hung up|EIO/.test(String(error))) return;
        // No slave end is open (the controller closed the port to open it again): an
        // RS-485 line has no such hang-up, so the readers wait for the next opening.
        await new Promise((resolve) => setTimeout(resolve, 10));
        continue;
      }
      this.#buffer.push(...chunk);
      for (;;) {
        const som = this.#buffer.indexOf(0x53);
        if (som < 0) {
          this.#buffer = [];
          break;
        }
        this.#buffer = this.#buffer.slice(som);
        if (this.#buffer.length < 4) break;
        const len = this.#buffer[2]! + this.#buffer[3]! * 256;
        if (len < 7 || len > 1440) {
          this.#buffer.shift();
          continue;
        }
        if (this.#buffer.length < len) break;
        const bytes = Uint8Array.from(this.#buffer.slice(0, len));
        this.#buffer = this.#buffer.slice(len);
        const frame = parseCommand(bytes);
        if (frame === null) {
          this.badFrames++;
          continue;
        }
        const reply = this.#pds.get(frame.addr)?.handle(frame, performance.now());
        if (reply !== null && reply !== undefined && !this.#stopped) {
          await this.#port.write(reply).catch(() => {});
        }
      }
    }
  }
}
