/**
 * The CP's state machine for one PD on a bus: what to send next and what a
 * reply (or silence) means. Pure: no I/O, no timers; time comes in as
 * monotonic milliseconds, and the bus loop (`control_panel.ts`) does the
 * sending and the waiting.
 *
 * Bring-up, as libosdp does it: ID → CAP → ACURXSIZE → (Secure Channel:
 * CHLNG → SCRYPT) → (KEYSET in install mode) → online, then LSTAT once and
 * POLL (or a queued LED/BUZ/OUT command) every turn.
 *
 * - Sequence: 0 to (re)start, then 1, 2, 3, 1, …; a command that got no valid
 *   reply (timeout, bad check, wrong sequence) is resent byte for byte, so a
 *   PD that answered already resends its previous reply. BUSY (sequence 0 or
 *   ours) resends too. NAK 4 restarts the link at sequence 0; NAK 1 to a CRC
 *   command switches the PD to checksums and restarts.
 * - Supervision: no valid reply for `offlineAfterMs` → `offline` (an alarm
 *   for the door); an offline PD is probed every `retryWaitMs`.
 * - Secure Channel, when configured: the reader is trusted only inside a
 *   session under its own SCBK. A CHLNG answered without Secure Channel, a
 *   CCRYPT under the default key, or a reply without a MAC inside a session
 *   is a `downgrade` alarm; a wrong client cryptogram is `wrong_key`; a bad
 *   MAC is `mac`. The reader is then untrusted (its cards and keys are
 *   reported as `untrusted`, never as reads) and Secure Channel is retried
 *   after `retryWaitMs`. What PDCAP says never lets the CP skip it.
 * - Install mode (one reader, enabled by an administrator, until a
 *   deadline): the handshake uses SCBK-D, then osdp_KEYSET sends a fresh
 *   random key; on its ACK the `keyset` event carries the key to the owner,
 *   install mode ends and the link restarts under the new key.
 * - Key rotation ({@linkcode PdLink.rotateKey}, a reader online in Secure
 *   Channel under its own key): osdp_KEYSET with the owner's new key inside
 *   the session. On the PD's ACK the `keyset` event (`via: "rotate"`) gives
 *   the owner the key to store and the link restarts under it. A NAK leaves
 *   the old key (`rekey` event, `refused`). When no answer comes (the ACK
 *   may be lost after the PD took the key) the new key stays a *candidate*:
 *   the next handshake checks the PD's cryptogram against the candidate and
 *   then the old key (one CCRYPT tells which key the PD holds, no extra round
 *   trip); the candidate matching is `keyset` with `via: "recovered"`, the
 *   old key matching is `rekey` `kept_old`. The owner keeps the candidate on
 *   disk (`PdConfig.pendingScbk`) so a restart in between keeps both keys.
 *
 * Every event is emitted once the link's state has changed: `status()` read
 * while handling it (a bus thread sends it along) already shows the change.
 *
 * @module
 */
import { CMD, MAX_PACKET_BYTES, NAK_REASON, nextSequence, REPLY, SCBK_D, SCS } from "./codes.ts";
import { encodePacket, type Packet } from "./frame.ts";
import {
  type BuzzerCommand,
  type Capability,
  decodeCcrypt,
  decodeKeypad,
  decodeLocalStatus,
  decodePdCap,
  decodePdId,
  decodeRaw,
  encodeAcuRxSize,
  encodeBuzzer,
  encodeKeyset,
  encodeLed,
  encodeOutput,
  encodeText,
  type LedCommand,
  type OutputCommand,
  type PdIdentity,
  type RawCard,
  type TextCommand,
  type TextDisplay,
  textDisplay,
} from "./messages.ts";
import {
  clientCryptogram,
  deriveSessionKeys,
  initialRmac,
  randomChallenge,
  randomScbk,
  sameBytes,
  SecureChannelError,
  SecureSession,
  serverCryptogram,
  type SessionKeys,
} from "./secure_channel.ts";

/** How one PD is configured. */
export interface PdConfig {
  /** 0–126. */
  address: number;
  /** Start with CRC16 (a checksum-only PD is detected by its NAK). @default true */
  useCrc?: boolean;
  /** Require Secure Channel. @default false */
  secure?: boolean;
  /** The PD's own SCBK (16 bytes), or null when it has none yet. @default null */
  scbk?: Uint8Array | null;
  /**
   * A key sent with osdp_KEYSET whose ACK was not seen (16 bytes): the next
   * handshake accepts it as well as `scbk`. @default null
   */
  pendingScbk?: Uint8Array | null;
}

/** Why a reader raised a security alarm. */
export type OsdpAlarmReason = "downgrade" | "wrong_key" | "mac" | "no_key";

/** What the CP reports about its PDs. */
export type OsdpEvent =
  | {
    type: "online";
    address: number;
    secure: boolean;
    trusted: boolean;
    identity: PdIdentity | null;
    capabilities: Capability[];
  }
  | { type: "offline"; address: number }
  | ({ type: "card"; address: number } & RawCard)
  | { type: "keypad"; address: number; reader: number; keys: string }
  | { type: "status"; address: number; tamper: boolean; power: boolean }
  | { type: "alarm"; address: number; reason: OsdpAlarmReason; message: string }
  | { type: "untrusted"; address: number; what: "card" | "keypad" }
  /** The PD holds `scbk` now: set in install mode, rotated, or a rotation's candidate it proved to hold. */
  | { type: "keyset"; address: number; scbk: Uint8Array; via: "install" | "rotate" | "recovered" }
  /**
   * A key rotation that did not end with the new key: the PD `refused` it
   * (NAK `reason`), proved to hold the old key (`kept_old`), or the link
   * restarted before the KEYSET was sent (`not_sent`), and the candidate is
   * dropped; or the link restarted before an answer (`lost`), and the
   * candidate is kept for the next handshake.
   */
  | {
    type: "rekey";
    address: number;
    outcome: "refused" | "kept_old" | "not_sent" | "lost";
    reason: number | null;
  }
  | { type: "install"; address: number; state: "on" | "done" | "timeout" | "off" }
  | { type: "nak"; address: number; command: number; reason: number };

/** Timing of a PD link. */
export interface PdTiming {
  /** No valid reply for this long → offline. */
  offlineAfterMs: number;
  /** Wait before probing an offline PD or retrying a failed Secure Channel. */
  retryWaitMs: number;
  /** The receive buffer announced with osdp_ACURXSIZE. */
  receiveBufferBytes: number;
}

/** Where the link is. */
export type PdPhase =
  | "id"
  | "cap"
  | "rxsize"
  | "chlng"
  | "scrypt"
  | "keyset"
  | "lstat"
  | "online"
  | "rekey";

/** A PD's status, as shown to operators. */
export interface PdStatus {
  address: number;
  online: boolean;
  secure: boolean;
  trusted: boolean;
  tamper: boolean;
  power: boolean;
  installMode: boolean;
  useCrc: boolean;
  identity: PdIdentity | null;
}

/** The status of a PD not heard from (yet): offline, nothing known. */
export function offlineStatus(address: number, useCrc: boolean): PdStatus {
  return {
    address,
    online: false,
    secure: false,
    trusted: false,
    tamper: false,
    power: false,
    installMode: false,
    useCrc,
    identity: null,
  };
}

/** Queued commands per PD at most (the oldest is dropped). */
export const MAX_QUEUED_COMMANDS = 16;

interface Pending {
  bytes: Uint8Array;
  code: number;
  sequence: number;
}

interface Handshake {
  key: Uint8Array;
  install: boolean;
  cpRandom: Uint8Array;
  keys: SessionKeys | null;
  rmacI: Uint8Array | null;
  server: Uint8Array | null;
}

/** The CP's view of one PD. */
export class PdLink {
  readonly address: number;
  readonly #secure: boolean;
  readonly #timing: PdTiming;
  readonly #emit: (event: OsdpEvent) => void;
  #scbk: Uint8Array | null;
  #useCrc: boolean;
  #phase: PdPhase = "id";
  #sequence = 0;
  #pending: Pending | null = null;
  #session: SecureSession | null = null;
  #handshake: Handshake | null = null;
  #newKey: Uint8Array | null = null;
  /** A rotation's new key until the PD is known to hold it or not. */
  #candidate: Uint8Array | null;
  /** A rotation waits for its turn (sent when the link is online and idle). */
  #rekeyWanted = false;
  #online = false;
  #everHeard = false;
  #lastHeardMs: number;
  #notBeforeMs = 0;
  #installUntilMs: number | null = null;
  #identity: PdIdentity | null = null;
  #capabilities: Capability[] = [];
  #tamper = false;
  #power = false;
  #alarmed = new Set<OsdpAlarmReason>();
  readonly #outbox: { code: number; data: Uint8Array }[] = [];

  constructor(
    config: PdConfig,
    options: { timing: PdTiming; emit: (event: OsdpEvent) => void; nowMs: number },
  ) {
    if (!Number.isInteger(config.address) || config.address < 0 || config.address > 126) {
      throw new RangeError(`OSDP PD address must be 0-126, got ${config.address}`);
    }
    for (const key of [config.scbk, config.pendingScbk]) {
      if (key !== undefined && key !== null && key.length !== 16) {
        throw new RangeError(`SCBK of PD ${config.address} must be 16 bytes`);
      }
    }
    this.address = config.address;
    this.#secure = config.secure ?? false;
    this.#scbk = config.scbk?.slice() ?? null;
    this.#candidate = this.#scbk === null ? null : config.pendingScbk?.slice() ?? null;
    this.#useCrc = config.useCrc ?? true;
    this.#timing = options.timing;
    this.#emit = options.emit;
    this.#lastHeardMs = options.nowMs;
  }

  /** The current status. */
  status(): PdStatus {
    return {
      address: this.address,
      online: this.#online,
      secure: this.#session !== null,
      trusted: this.#trusted(),
      tamper: this.#tamper,
      power: this.#power,
      installMode: this.#installUntilMs !== null,
      useCrc: this.#useCrc,
      identity: this.#identity,
    };
  }

  /** The link phase (tests, probes). */
  get phase(): PdPhase {
    return this.#phase;
  }

  /** Whether the PD should get a turn at `nowMs`. */
  due(nowMs: number): boolean {
    this.#checkInstallDeadline(nowMs);
    return nowMs >= this.#notBeforeMs;
  }

  /**
   * Whether a command waits to be sent and can go now (online, the last
   * command answered): the bus loop then sends it before any other turn.
   */
  get hasQueued(): boolean {
    return (this.#outbox.length > 0 || this.#rekeyWanted) && this.#phase === "online" &&
      this.#pending === null;
  }

  /** Queues osdp_LED. */
  led(command: LedCommand): void {
    this.#queue(CMD.LED, encodeLed(command));
  }

  /** Queues osdp_BUZ. */
  buzzer(command: BuzzerCommand): void {
    this.#queue(CMD.BUZ, encodeBuzzer(command));
  }

  /** Queues osdp_OUT. */
  output(command: OutputCommand): void {
    this.#queue(CMD.OUT, encodeOutput(command));
  }

  /** Queues osdp_TEXT. @throws {RangeError} for a text {@linkcode encodeText} refuses */
  text(command: TextCommand): void {
    this.#queue(CMD.TEXT, encodeText(command));
  }

  /** The text display the PD reported in osdp_PDCAP, or null. */
  get display(): TextDisplay | null {
    return textDisplay(this.#capabilities);
  }

  /**
   * Enters install mode until `untilMs` (monotonic): the next handshake uses
   * SCBK-D and sends a fresh key. Restarts the link.
   */
  enableInstallMode(untilMs: number): void {
    this.#installUntilMs = untilMs;
    this.#restart(0);
    this.#emit({ type: "install", address: this.address, state: "on" });
  }

  /**
   * Sends `scbk` with osdp_KEYSET inside the current session, on the link's
   * next turn; the outcome comes as a `keyset` or a `rekey` event.
   *
   * @throws {RangeError} when the PD is not online in Secure Channel under its
   *   own key, is in install mode, or a rotation is not resolved yet
   */
  rotateKey(scbk: Uint8Array): void {
    if (scbk.length !== 16) throw new RangeError(`SCBK of PD ${this.address} must be 16 bytes`);
    const problem = this.rotateProblem();
    if (problem !== null) throw new RangeError(problem);
    this.#candidate = scbk.slice();
    this.#rekeyWanted = true;
  }

  /** Why {@linkcode rotateKey} would refuse now, or null. */
  rotateProblem(): string | null {
    if (this.#installUntilMs !== null) return "The reader is in install mode";
    if (!this.#online) return "The reader is offline";
    if (this.#session === null || this.#scbk === null) {
      return "The reader is not in Secure Channel under its own key";
    }
    if (this.#candidate !== null) return "The reader is already changing its key";
    return null;
  }

  /** Leaves install mode (when an administrator cancels it). */
  disableInstallMode(): void {
    if (this.#installUntilMs === null) return;
    this.#installUntilMs = null;
    this.#restart(0);
    this.#emit({ type: "install", address: this.address, state: "off" });
  }

  /** The bytes to send now: the unanswered command again, or the next one. */
  nextCommand(nowMs: number): Uint8Array {
    if (this.#pending !== null) return this.#pending.bytes;
    switch (this.#phase) {
      case "id":
        this.#sequence = 0;
        this.#session = null;
        return this.#send(CMD.ID, Uint8Array.of(0));
      case "cap":
        return this.#send(CMD.CAP, Uint8Array.of(0));
      case "rxsize":
        return this.#send(CMD.ACURXSIZE, encodeAcuRxSize(this.#timing.receiveBufferBytes));
      case "chlng":
        return this.#challenge(nowMs);
      case "scrypt": {
        const h = this.#handshake!;
        return this.#send(CMD.SCRYPT, h.server!, [SCS.SCRYPT, h.install ? 0 : 1]);
      }
      case "keyset":
        this.#newKey = randomScbk();
        return this.#send(CMD.KEYSET, encodeKeyset(this.#newKey));
      case "lstat":
        return this.#send(CMD.LSTAT, new Uint8Array(0));
      case "rekey":
        return this.#send(CMD.KEYSET, encodeKeyset(this.#candidate!));
      case "online": {
        if (this.#rekeyWanted) {
          this.#rekeyWanted = false;
          this.#phase = "rekey";
          return this.#send(CMD.KEYSET, encodeKeyset(this.#candidate!));
        }
        const next = this.#outbox.shift();
        return next === undefined
          ? this.#send(CMD.POLL, new Uint8Array(0))
          : this.#send(next.code, next.data);
      }
    }
  }

  /** No valid reply to the last command: it is resent on the next turn. */
  onNoReply(nowMs: number): void {
    if (nowMs - this.#lastHeardMs < this.#timing.offlineAfterMs) return;
    // Reported once: when an online PD goes silent, or when one never answered.
    const report = this.#online || !this.#everHeard;
    this.#online = false;
    this.#everHeard = true;
    this.#restart(nowMs + this.#timing.retryWaitMs);
    this.#lastHeardMs = nowMs; // the next offline check counts from this probe
    // Last, so that whoever reads status() on this event sees the PD offline.
    if (report) this.#emit({ type: "offline", address: this.address });
  }

  /**
   * A packet from this PD's address.
   *
   * @returns false when it was not the reply to the pending command (the command will be resent)
   */
  onReply(packet: Packet, nowMs: number): boolean {
    const pending = this.#pending;
    if (pending === null || !packet.reply) return false;
    if (packet.code === REPLY.BUSY) {
      this.#heard(nowMs);
      return true; // resent as is on the next turn
    }
    if (packet.sequence !== pending.sequence) return false;
    let data = packet.data;
    if (this.#session !== null && !(packet.code === REPLY.NAK && packet.mac === null)) {
      const checked = this.#unwrap(packet, nowMs);
      if (checked === null) return true;
      data = checked;
    }
    this.#heard(nowMs);
    this.#pending = null;
    this.#sequence = nextSequence(this.#sequence);
    try {
      this.#dispatch(pending.code, packet, data, nowMs);
    } catch (error) {
      // A malformed reply: counted as answered; the link goes on.
      if (!(error instanceof Error)) throw error;
    }
    return true;
  }

  #heard(nowMs: number): void {
    this.#lastHeardMs = nowMs;
    this.#everHeard = true;
  }

  /** Checks a reply inside a session; null when it broke the session (already handled). */
  #unwrap(packet: Packet, nowMs: number): Uint8Array | null {
    const session = this.#session!;
    if (
      packet.mac === null ||
      (packet.securityType !== SCS.PD_MAC && packet.securityType !== SCS.PD_MAC_ENC)
    ) {
      this.#alarm("downgrade", "replied without Secure Channel inside a session", nowMs);
      return null;
    }
    try {
      session.verifyReply(packet.macInput, packet.mac);
      return packet.securityType === SCS.PD_MAC_ENC && packet.data.length > 0
        ? session.decryptReply(packet.data)
        : packet.data;
    } catch (error) {
      if (!(error instanceof SecureChannelError)) throw error;
      this.#alarm("mac", error.message, nowMs);
      return null;
    }
  }

  #dispatch(command: number, packet: Packet, data: Uint8Array, nowMs: number): void {
    if (packet.code === REPLY.NAK) return this.#nak(command, data[0] ?? 0, nowMs);
    switch (this.#phase) {
      case "id":
        if (packet.code === REPLY.PDID) this.#identity = decodePdId(data);
        this.#phase = "cap";
        return;
      case "cap":
        if (packet.code === REPLY.PDCAP) this.#capabilities = decodePdCap(data);
        this.#phase = "rxsize";
        return;
      case "rxsize":
        return this.#afterBringUp(nowMs);
      case "chlng":
        return this.#onCcrypt(packet, data, nowMs);
      case "scrypt":
        return this.#onRmacI(packet, data, nowMs);
      case "keyset":
        if (packet.code === REPLY.ACK) this.#onInstalled();
        return;
      case "lstat":
        this.#phase = "online";
        this.#goOnline();
        return this.#onPollReply(packet, data);
      case "online":
        return this.#onPollReply(packet, data);
      case "rekey":
        return this.#onRekeyReply(packet);
    }
  }

  /** Install mode's KEYSET was ACKed: the reader holds the new key; a session under it next. */
  #onInstalled(): void {
    const key = this.#newKey!;
    this.#scbk = key;
    this.#candidate = null;
    this.#newKey = null;
    this.#installUntilMs = null;
    this.#restart(0);
    this.#emit({ type: "keyset", address: this.address, scbk: key, via: "install" });
    this.#emit({ type: "install", address: this.address, state: "done" });
  }

  /** The answer to a rotation's KEYSET: ACK → the new key; anything else → refused. */
  #onRekeyReply(packet: Packet): void {
    const key = this.#candidate!;
    this.#candidate = null;
    if (packet.code !== REPLY.ACK) {
      this.#phase = "online";
      this.#emit({ type: "rekey", address: this.address, outcome: "refused", reason: null });
      return;
    }
    this.#scbk = key;
    this.#restart(0); // the next session runs under the new key
    this.#emit({ type: "keyset", address: this.address, scbk: key, via: "rotate" });
  }

  #afterBringUp(nowMs: number): void {
    if (!this.#secure && this.#installUntilMs === null) {
      this.#phase = "lstat";
      return;
    }
    if (this.#scbk === null && this.#installUntilMs === null) {
      this.#alarm("no_key", "has no Secure Channel key: enable install mode", nowMs, false);
      this.#phase = "lstat"; // supervised, but its reads are not trusted
      return;
    }
    this.#phase = "chlng";
  }

  #goOnline(): void {
    this.#online = true;
    this.#emit({
      type: "online",
      address: this.address,
      secure: this.#session !== null,
      trusted: this.#trusted(),
      identity: this.#identity,
      capabilities: this.#capabilities,
    });
  }

  #challenge(_nowMs: number): Uint8Array {
    const install = this.#installUntilMs !== null;
    const key = install ? SCBK_D : this.#scbk!;
    const cpRandom = randomChallenge();
    this.#handshake = { key, install, cpRandom, keys: null, rmacI: null, server: null };
    return this.#send(CMD.CHLNG, cpRandom, [SCS.CHLNG, install ? 0 : 1]);
  }

  #onCcrypt(packet: Packet, data: Uint8Array, nowMs: number): void {
    const h = this.#handshake!;
    if (packet.code !== REPLY.CCRYPT || packet.securityType !== SCS.CCRYPT) {
      this.#alarm("downgrade", "answered the challenge without Secure Channel", nowMs);
      return;
    }
    if (!h.install && packet.securityData[0] === 0) {
      this.#alarm("downgrade", "dropped to the default key (SCBK-D)", nowMs);
      return;
    }
    const reply = decodeCcrypt(data);
    // After an unconfirmed rotation the PD holds the new key or the old one: try both.
    const tries = h.install || this.#candidate === null ? [h.key] : [this.#candidate, h.key];
    const key = tries.find((k) =>
      sameBytes(
        clientCryptogram(deriveSessionKeys(k, h.cpRandom), h.cpRandom, reply.pdRandom),
        reply.cryptogram,
      )
    );
    if (key === undefined) {
      this.#alarm(
        "wrong_key",
        h.install ? "does not hold the default key (SCBK-D)" : "does not hold its key",
        nowMs,
      );
      return;
    }
    if (!h.install && this.#candidate !== null) this.#resolveCandidate(key);
    const keys = deriveSessionKeys(key, h.cpRandom);
    const server = serverCryptogram(keys, h.cpRandom, reply.pdRandom);
    h.keys = keys;
    h.server = server;
    h.rmacI = initialRmac(keys, server);
    this.#phase = "scrypt";
  }

  /** A handshake showed which key the PD holds after an unconfirmed rotation. */
  #resolveCandidate(held: Uint8Array): void {
    const candidate = this.#candidate!;
    this.#candidate = null;
    if (held === candidate) {
      this.#scbk = candidate;
      this.#emit({ type: "keyset", address: this.address, scbk: candidate, via: "recovered" });
    } else {
      this.#emit({ type: "rekey", address: this.address, outcome: "kept_old", reason: null });
    }
  }

  #onRmacI(packet: Packet, data: Uint8Array, nowMs: number): void {
    const h = this.#handshake!;
    if (
      packet.code !== REPLY.RMAC_I || packet.securityType !== SCS.RMAC_I ||
      !sameBytes(data.subarray(0, 16), h.rmacI!)
    ) {
      this.#alarm("wrong_key", "sent a wrong initial R-MAC", nowMs);
      return;
    }
    this.#session = new SecureSession(h.keys!, h.rmacI!);
    this.#handshake = null;
    this.#alarmed.clear();
    this.#phase = h.install ? "keyset" : "lstat";
  }

  #onPollReply(packet: Packet, data: Uint8Array): void {
    switch (packet.code) {
      case REPLY.RAW: {
        const card = decodeRaw(data);
        if (this.#trusted()) this.#emit({ type: "card", address: this.address, ...card });
        else this.#emit({ type: "untrusted", address: this.address, what: "card" });
        return;
      }
      case REPLY.KEYPAD: {
        const keys = decodeKeypad(data);
        if (this.#trusted()) this.#emit({ type: "keypad", address: this.address, ...keys });
        else this.#emit({ type: "untrusted", address: this.address, what: "keypad" });
        return;
      }
      case REPLY.LSTATR: {
        const status = decodeLocalStatus(data);
        if (status.tamper === this.#tamper && status.power === this.#power) return;
        this.#tamper = status.tamper;
        this.#power = status.power;
        this.#emit({ type: "status", address: this.address, ...status });
        return;
      }
    }
  }

  #nak(command: number, reason: number, nowMs: number): void {
    this.#emit({ type: "nak", address: this.address, command, reason });
    if (reason === NAK_REASON.CHECK_CHARACTER && this.#useCrc) {
      this.#useCrc = false;
      return this.#restart(0);
    }
    if (reason === NAK_REASON.SEQUENCE) return this.#restart(0);
    if (this.#phase === "rxsize") return this.#afterBringUp(nowMs); // ACURXSIZE is optional
    if (this.#phase === "chlng") {
      // In install mode a reader that already has a key refuses SCBK-D: no alarm, retried.
      if (this.#installUntilMs !== null) return this.#restart(nowMs + this.#timing.retryWaitMs);
      return this.#alarm("downgrade", "refused Secure Channel (NAK to the challenge)", nowMs);
    }
    if (this.#phase === "scrypt") {
      return this.#alarm("wrong_key", "refused the server cryptogram", nowMs);
    }
    if (this.#phase === "rekey") {
      this.#candidate = null; // refused: the PD keeps its key
      this.#restart(0);
      return this.#emit({ type: "rekey", address: this.address, outcome: "refused", reason });
    }
    if (this.#phase === "keyset") {
      this.#installUntilMs = null;
      this.#restart(0);
      return this.#emit({ type: "install", address: this.address, state: "off" });
    }
    if (this.#session !== null && reason >= NAK_REASON.SECURITY_CONDITION) {
      return this.#alarm("mac", `ended the session (NAK ${reason})`, nowMs);
    }
    if (this.#phase === "id" || this.#phase === "cap") this.#phase = this.#nextBringUp();
  }

  #nextBringUp(): PdPhase {
    return this.#phase === "id" ? "cap" : "rxsize";
  }

  /** A security alarm: untrusted, session dropped, retried after the wait. */
  #alarm(reason: OsdpAlarmReason, message: string, nowMs: number, restart = true): void {
    if (restart) this.#restart(nowMs + this.#timing.retryWaitMs);
    if (!this.#alarmed.has(reason)) {
      this.#alarmed.add(reason);
      this.#emit({ type: "alarm", address: this.address, reason, message });
    }
  }

  #trusted(): boolean {
    if (this.#installUntilMs !== null) return false;
    return !this.#secure || this.#session !== null;
  }

  #checkInstallDeadline(nowMs: number): void {
    if (this.#installUntilMs === null || nowMs < this.#installUntilMs) return;
    this.#installUntilMs = null;
    this.#restart(0);
    this.#emit({ type: "install", address: this.address, state: "timeout" });
  }

  /** Back to ID at sequence 0, no session, not before `notBeforeMs`. */
  #restart(notBeforeMs: number): void {
    let rotation: "not_sent" | "lost" | null = null;
    if (this.#rekeyWanted) {
      // Never sent: the PD keeps its key.
      this.#rekeyWanted = false;
      this.#candidate = null;
      rotation = "not_sent";
    } else if (this.#phase === "rekey" && this.#candidate !== null) {
      // The KEYSET went unanswered: the PD may hold either key; the next handshake tells.
      rotation = "lost";
    }
    this.#phase = "id";
    this.#pending = null;
    this.#session = null;
    this.#handshake = null;
    this.#sequence = 0;
    this.#notBeforeMs = notBeforeMs;
    if (rotation !== null) {
      this.#emit({ type: "rekey", address: this.address, outcome: rotation, reason: null });
    }
  }

  #queue(code: number, data: Uint8Array): void {
    if (this.#outbox.length >= MAX_QUEUED_COMMANDS) this.#outbox.shift();
    this.#outbox.push({ code, data });
  }

  /** Encodes a command at the current sequence and remembers it for resending. */
  #send(code: number, data: Uint8Array, block?: [number, number]): Uint8Array {
    const session = this.#phase === "online" || this.#phase === "lstat" ||
        this.#phase === "keyset" || this.#phase === "rekey"
      ? this.#session
      : null;
    let bytes: Uint8Array;
    if (session !== null) {
      const sealed = data.length > 0 ? session.encryptCommand(data) : data;
      bytes = encodePacket({
        address: this.address,
        sequence: this.#sequence,
        useCrc: this.#useCrc,
        securityBlock: Uint8Array.of(2, data.length > 0 ? SCS.CP_MAC_ENC : SCS.CP_MAC),
        code,
        data: sealed,
      }, (input) => session.macCommand(input));
    } else {
      bytes = encodePacket({
        address: this.address,
        sequence: this.#sequence,
        useCrc: this.#useCrc,
        securityBlock: block === undefined ? null : Uint8Array.of(3, block[0], block[1]),
        code,
        data,
      });
    }
    if (bytes.length > MAX_PACKET_BYTES) throw new RangeError("OSDP command too long");
    this.#pending = { bytes, code, sequence: this.#sequence };
    return bytes;
  }
}
