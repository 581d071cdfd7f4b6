/**
 * The OSDP readers at run time: one {@linkcode ControlPanel} per `osdp-bus`
 * that serves at least one access point, and per reader the card + PIN
 * collector of its access point. What the controller does with a Wiegand
 * reader it does here with an OSDP one:
 *
 * - osdp_RAW → the card formats (the reader's own list, else the catalogue)
 *   → the collector → a decision (`present`); a frame no format takes is a
 *   bad read. osdp_KEYPAD → key by key into the same collector (PINs).
 * - The door's feedback becomes osdp_LED + osdp_BUZ (granted, denied), and a
 *   card waiting for its PIN shows "waiting" (amber).
 * - Supervision → audit rows of kind ALARM on the door (`osdp_rows.ts`):
 *   offline/online, tamper, power, security alarms, untrusted reads.
 * - Secure Channel keys are read from `osdp_keys` (sealed with the
 *   installation secret) when a bus opens; a key set in install mode is
 *   sealed and stored at once. Install mode is enabled per reader
 *   ({@linkcode OsdpRuntime.installMode}); the bus allows one at a time.
 * - Key rotation ({@linkcode OsdpRuntime.rekey}): a fresh key is sealed and
 *   stored as the reader's *pending* key before osdp_KEYSET goes out, and
 *   becomes its key when the reader acknowledges it or proves to hold it at
 *   the next handshake; a refusal, or a handshake under the old key, drops
 *   it. So whatever reply is lost, and across a restart, the controller has
 *   the key the reader holds.
 *
 * A bus's serial port is opened here (a bad path or baud rate is a warning
 * of the reload at once) and run on a thread of its own
 * ({@linkcode OsdpBusThread}), which sleeps in `poll` between replies, so
 * polling idle readers does not wake this worker. A link given as `openLink`
 * (tests) runs its {@linkcode ControlPanel} here. With simulated hardware a
 * `sim:NAME` port is a {@linkcode SimOsdpBus} on this thread, with one
 * simulated reader per configured reader, holding the key stored for it
 * ({@linkcode OsdpRuntime.simReader}). The bus is real I/O: its timing runs
 * on the system clock; the collectors use the controller's clock.
 *
 * A port that cannot be opened, or fails while running (a USB serial adapter
 * unplugged, a hang-up), takes its bus down: every reader of it not already
 * reported offline gets a `READER_OFFLINE` alarm naming the port's error,
 * `status()` shows them offline with that error, and the port is tried again
 * every {@linkcode BUS_RETRY_MS}; once it opens, the readers come online
 * through their usual bring-up (and `READER_ONLINE`).
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import type { Clock } from "../clock.ts";
import { logger } from "../log.ts";
import { ControlPanel, type CpTiming, MAX_PDS_PER_BUS } from "../hardware/osdp/control_panel.ts";
import { offlineStatus, type OsdpEvent, type PdStatus } from "../hardware/osdp/pd_link.ts";
import { loadSerialLibc, type SerialLibc } from "../hardware/osdp/serial_libc.ts";
import { type ByteLink, openSerialFd } from "../hardware/osdp/serial_port.ts";
import { type OsdpBusControl, OsdpBusThread } from "../hardware/osdp/bus_thread.ts";
import { SimOsdpBus, SimOsdpPd } from "../hardware/sim/osdp_sim.ts";
import {
  decodeFrame,
  defineFormat,
  findFormat,
  FORMAT_CATALOGUE,
  type WiegandFormat,
} from "../hardware/wiegand/formats.ts";
import { isKeypadKey } from "../hardware/wiegand/keypad.ts";
import { randomScbk } from "../hardware/osdp/secure_channel.ts";
import {
  clearPendingScbk,
  readPendingScbk,
  readScbk,
  writePendingScbk,
  writeScbk,
} from "../store/osdp_keys.ts";
import type { DoorRef, EventRow } from "./audit_rows.ts";
import type { PresentedCard } from "../engine/mod.ts";
import { type Collected, CredentialCollector } from "./collector.ts";
import { type ReaderAlarm, readerRow } from "./osdp_rows.ts";
import type { OsdpReaderWiring } from "./osdp_wiring.ts";
import type { AccessPointWiring, DoorWiring } from "./wiring.ts";
import { errorText } from "../errors.ts";

const log = logger("controller");

/** How long {@linkcode OsdpRuntime.rekey} waits for the reader to confirm its new key. */
export const REKEY_TIMEOUT_MS = 10_000;

/** How often a bus whose port is down tries to open it again (system clock). */
export const BUS_RETRY_MS = 2_000;

/** A key rotation waiting for its outcome. */
interface Rotation {
  resolve: () => void;
  reject: (error: Error) => void;
  timer: unknown;
}

/** A reader's status for operators. */
export interface OsdpReaderStatus extends PdStatus {
  readerId: string;
  name: string;
  busId: string;
  doorId: number;
  /** Unix ms of the last card read, or null. */
  lastCardAt: number | null;
  /** Why the reader's bus is down (its port is tried again), or null. */
  busError: string | null;
}

/** Options of {@linkcode OsdpRuntime}. */
export interface OsdpRuntimeOptions {
  /** Where the sealed keys are read. */
  policyDb: DatabaseSync;
  /** Where a new key is stored. */
  eventsDb: DatabaseSync;
  /** The installation secret (seals the keys). */
  secret: Uint8Array;
  /** The controller's clock (collectors, rows). */
  clock: Clock;
  /** `card_or_pin`: whether a card is bound to a PIN (then it waits for it). */
  needsPin?: (card: PresentedCard) => boolean;
  /** Decides on what was presented. */
  present: (doorId: number, accessPointId: number, collected: Collected) => void;
  /** A card no format takes. */
  badRead: (doorId: number, accessPointId: number, reason: string, nbBits: number) => void;
  /** Writes a supervision row. */
  row: (row: EventRow) => void;
  /** Opens a bus's port. @default the serial port through libc */
  openLink?: (port: string, baud: number) => ByteLink;
  /** Bus timing overrides (tests). */
  timing?: Partial<CpTiming>;
  /** Simulated hardware: `sim:NAME` ports run simulated readers. @default false */
  simulated?: boolean;
  /** How often a bus whose port is down tries again. @default BUS_RETRY_MS */
  busRetryMs?: number;
  /** Handed to every bus thread: set once the owning worker is gone (`InitRequest.lifeline`). */
  lifeline?: SharedArrayBuffer;
}

/** A simulated reader found by {@linkcode OsdpRuntime.simReader}. */
export interface SimReader {
  readerId: string;
  name: string;
  online: boolean;
  pd: SimOsdpPd;
}

interface Reader {
  wiring: OsdpReaderWiring;
  door: DoorRef;
  accessPoint: AccessPointWiring;
  collector: CredentialCollector;
  formats: readonly WiegandFormat[];
  timer: unknown;
  lastCardAt: number | null;
  /** The rotation an administrator waits for, or null. */
  rotation: Rotation | null;
  /** A rotation's key is stored as pending and not resolved yet (even after its caller gave up). */
  pendingKey: boolean;
  /** Its last supervision row said offline (so a bus going down does not say it twice). */
  reportedOffline: boolean;
}

interface Bus {
  key: string;
  wiring: OsdpReaderWiring["bus"];
  /**
   * A control panel on this thread (simulated, or a link given in the
   * options), a bus thread, or, while the port is down, a {@linkcode DownBus}.
   */
  cp: OsdpBusControl;
  readers: Map<number, Reader>;
  /** The simulated line of a `sim:` port, else null. */
  sim: SimOsdpBus | null;
  /** Why the port is down, or null. */
  error: string | null;
  /** The next attempt to open a down port, or null. */
  retry: ReturnType<typeof setTimeout> | null;
  /** Bumped when the control panel is replaced or the bus closes: events of an older one are dropped. */
  generation: number;
  closed: boolean;
}

/** Every OSDP bus and reader. */
export class OsdpRuntime {
  readonly #options: OsdpRuntimeOptions;
  readonly #buses = new Map<string, Bus>();
  #libc: SerialLibc | null = null;

  constructor(options: OsdpRuntimeOptions) {
    this.#options = options;
  }

  /** Opens, keeps or closes buses to match the doors' access points. */
  async reload(doors: readonly DoorWiring[], warnings: string[]): Promise<void> {
    const wanted = new Map<string, { reader: OsdpReaderWiring; door: DoorWiring }[]>();
    for (const door of doors) {
      const reader = door.accessPoint?.osdpReader ?? null;
      if (reader === null) continue;
      const list = wanted.get(reader.bus.id) ?? [];
      list.push({ reader, door });
      wanted.set(reader.bus.id, list);
    }
    for (const [busId, bus] of this.#buses) {
      const list = wanted.get(busId);
      if (list === undefined || busKey(list) !== bus.key) {
        await this.#closeBus(bus);
        this.#buses.delete(busId);
      }
    }
    for (const [busId, list] of wanted) {
      const current = this.#buses.get(busId);
      if (current !== undefined) {
        for (const { reader, door } of list) {
          const r = current.readers.get(reader.address);
          if (r !== undefined) r.door = { id: door.id, alias: door.alias };
        }
        continue;
      }
      try {
        this.#buses.set(busId, this.#openBus(list, warnings));
      } catch (error) {
        warnings.push(`OSDP bus "${list[0]!.reader.bus.name}": ${errorText(error)}`);
      }
    }
  }

  /** Shows a decision on the readers of a door. */
  feedback(doorId: number, granted: boolean): void {
    for (const bus of this.#buses.values()) {
      for (const reader of bus.readers.values()) {
        if (reader.door.id === doorId) {
          bus.cp.signal(reader.wiring.address, granted ? "granted" : "denied");
        }
      }
    }
  }

  /**
   * Enables install mode on one reader for `timeoutMs`.
   *
   * @throws {RangeError} when the reader is not running, or another reader of its bus is in install mode
   */
  installMode(readerId: string, timeoutMs?: number): void {
    for (const bus of this.#buses.values()) {
      for (const reader of bus.readers.values()) {
        if (reader.wiring.id !== readerId) continue;
        bus.cp.enableInstallMode(reader.wiring.address, timeoutMs);
        return;
      }
    }
    throw new RangeError(`OSDP reader ${readerId} is not running (not wired to a door?)`);
  }

  /**
   * Rotates the Secure Channel key of one reader: a fresh random key is
   * stored as pending, sent with osdp_KEYSET inside the session, and becomes
   * the reader's key on its ACK. Resolves then; rejects (with a sentence)
   * when the reader refuses it or keeps its old key, or when no answer comes
   * within `timeoutMs` (the next handshake then tries the new key, then the
   * old one).
   *
   * @throws {RangeError} at once when the reader is not running, offline, not
   *   in Secure Channel under its own key, in install mode, or already
   *   changing its key
   */
  rekey(readerId: string, timeoutMs: number = REKEY_TIMEOUT_MS): Promise<void> {
    const found = this.#find(readerId);
    if (found === undefined) {
      throw new RangeError("The reader is not running on this controller (is it wired to a door?)");
    }
    const { bus, reader } = found;
    const status = bus.cp.status().find((s) => s.address === reader.wiring.address);
    if (status?.installMode) throw new RangeError("The reader is in install mode");
    if (!status?.online) throw new RangeError("The reader is offline");
    if (!status.secure) {
      throw new RangeError("The reader is not in Secure Channel under its own key");
    }
    if (reader.rotation !== null || reader.pendingKey) {
      throw new RangeError("The reader is already changing its key");
    }
    const o = this.#options;
    const key = randomScbk();
    writePendingScbk(o.eventsDb, o.secret, reader.wiring.id, key); // before it can be sent
    try {
      bus.cp.rotateKey(reader.wiring.address, key);
    } catch (error) {
      clearPendingScbk(o.eventsDb, reader.wiring.id);
      throw error;
    }
    reader.pendingKey = true;
    return new Promise<void>((resolve, reject) => {
      const rotation: Rotation = { resolve, reject, timer: null };
      rotation.timer = o.clock.setTimeout(() => {
        if (reader.rotation !== rotation) return;
        reader.rotation = null;
        reject(
          new Error(
            "The reader did not confirm the new key in time. If it took it, the controller " +
              "finds out at its next session: it tries the new key, then the old one",
          ),
        );
      }, timeoutMs);
      reader.rotation = rotation;
    });
  }

  /**
   * The simulated reader whose device id or name is `idOrName`, or undefined
   * (not an OSDP reader, not running, or not on a simulated bus).
   */
  simReader(idOrName: string): SimReader | undefined {
    for (const bus of this.#buses.values()) {
      if (bus.sim === null) continue;
      for (const reader of bus.readers.values()) {
        if (reader.wiring.id !== idOrName && reader.wiring.name !== idOrName) continue;
        const pd = bus.sim.pd(reader.wiring.address);
        if (pd === undefined) return undefined;
        const status = bus.cp.status().find((s) => s.address === reader.wiring.address);
        return {
          readerId: reader.wiring.id,
          name: reader.wiring.name,
          online: status?.online === true,
          pd,
        };
      }
    }
    return undefined;
  }

  #find(readerId: string): { bus: Bus; reader: Reader } | undefined {
    for (const bus of this.#buses.values()) {
      for (const reader of bus.readers.values()) {
        if (reader.wiring.id === readerId) return { bus, reader };
      }
    }
    return undefined;
  }

  /** Every running reader's status. */
  status(): OsdpReaderStatus[] {
    const out: OsdpReaderStatus[] = [];
    for (const bus of this.#buses.values()) {
      for (const pd of bus.cp.status()) {
        const reader = bus.readers.get(pd.address);
        if (reader === undefined) continue;
        out.push({
          ...pd,
          readerId: reader.wiring.id,
          name: reader.wiring.name,
          busId: reader.wiring.bus.id,
          doorId: reader.door.id,
          lastCardAt: reader.lastCardAt,
          busError: bus.error,
        });
      }
    }
    return out;
  }

  /** Stops every bus. */
  async close(): Promise<void> {
    for (const bus of this.#buses.values()) await this.#closeBus(bus);
    this.#buses.clear();
    this.#libc?.close();
    this.#libc = null;
  }

  #openBus(list: { reader: OsdpReaderWiring; door: DoorWiring }[], warnings: string[]): Bus {
    const busWiring = list[0]!.reader.bus;
    const readers = new Map<number, Reader>();
    for (const { reader, door } of list) {
      if (readers.has(reader.address)) {
        warnings.push(`OSDP reader "${reader.name}": address ${reader.address} is taken`);
        continue;
      }
      readers.set(reader.address, {
        wiring: reader,
        door: { id: door.id, alias: door.alias },
        accessPoint: door.accessPoint!,
        collector: new CredentialCollector({
          readerMode: door.accessPoint!.readerMode,
          pinTimeoutMs: door.accessPoint!.pinTimeoutMs,
          ...(this.#options.needsPin === undefined ? {} : { needsPin: this.#options.needsPin }),
        }),
        formats: this.#formats(reader, warnings),
        timer: null,
        lastCardAt: null,
        rotation: null,
        pendingKey: false,
        reportedOffline: false,
      });
    }
    if (busWiring.port.startsWith("sim:") && this.#options.simulated !== true) {
      throw new Error(
        `simulated OSDP bus "${busWiring.port}" needs the simulated hardware (--hardware sim)`,
      );
    }
    if (readers.size > MAX_PDS_PER_BUS) {
      throw new RangeError(
        `${readers.size} readers are wired on it; a bus takes at most ${MAX_PDS_PER_BUS}`,
      );
    }
    const bus: Bus = {
      key: busKey(list),
      wiring: busWiring,
      cp: new DownBus([]),
      readers,
      sim: null,
      error: null,
      retry: null,
      generation: 0,
      closed: false,
    };
    try {
      this.#connect(bus, warnings);
    } catch (error) {
      const message = errorText(error);
      warnings.push(
        `OSDP bus "${busWiring.name}": ${message} (tried again every ${this.#retryMs() / 1000} s)`,
      );
      this.#down(bus, message);
    }
    return bus;
  }

  #retryMs(): number {
    return this.#options.busRetryMs ?? BUS_RETRY_MS;
  }

  /**
   * Opens the bus's port and starts its control panel with the keys stored
   * now. @throws when the port cannot be opened or configured
   */
  #connect(bus: Bus, warnings: string[]): void {
    const busWiring = bus.wiring;
    const pds = [...bus.readers.values()].map((r) => {
      const scbk = this.#readKey(r.wiring, warnings, readScbk);
      const pendingScbk = scbk === null ? null : this.#readKey(r.wiring, warnings, readPendingScbk);
      r.pendingKey = pendingScbk !== null;
      return {
        address: r.wiring.address,
        secure: r.wiring.secure,
        useCrc: r.wiring.useCrc,
        scbk,
        pendingScbk,
      };
    });
    const timing = {
      ...this.#options.timing,
      pollIntervalMs: this.#options.timing?.pollIntervalMs ?? busWiring.pollMs,
    };
    const generation = ++bus.generation;
    const onEvent = (event: OsdpEvent) => {
      if (bus.generation === generation) this.#onEvent(bus, event);
    };
    const onError = (error: unknown) => {
      if (bus.generation !== generation) return;
      log.error("OSDP bus {bus} failed: {error}; trying its port again every {seconds} s", {
        bus: busWiring.name,
        error: errorText(error),
        seconds: this.#retryMs() / 1000,
      });
      this.#down(bus, errorText(error));
    };
    if (this.#options.simulated === true && busWiring.port.startsWith("sim:")) {
      bus.sim ??= new SimOsdpBus(
        busWiring.port,
        pds.map((pd) => new SimOsdpPd({ address: pd.address, scbk: pd.scbk })),
      );
    }
    const link = bus.sim ?? this.#options.openLink?.(busWiring.port, busWiring.baud);
    let cp: OsdpBusControl;
    if (link !== undefined) {
      cp = new ControlPanel({ ...timing, link, pds, onEvent, onError });
    } else {
      // A real port: its own thread, asleep in poll between replies (bus_thread.ts).
      const libc = this.#serialLibc();
      const fd = openSerialFd(busWiring.port, { baud: busWiring.baud, libc });
      const lifeline = this.#options.lifeline;
      cp = new OsdpBusThread({
        libc,
        fd,
        path: busWiring.port,
        pds,
        timing,
        onEvent,
        onError,
        ...(lifeline === undefined ? {} : { lifeline }),
      });
    }
    bus.cp = cp;
    bus.error = null;
    cp.start();
  }

  /**
   * The bus's port is down: its control panel goes (its port closed), every
   * reader not reported offline yet is, with the error, and the port is
   * tried again later.
   */
  #down(bus: Bus, message: string): void {
    if (bus.closed) return;
    bus.generation++;
    bus.error = message;
    const failed = bus.cp;
    bus.cp = new DownBus([...bus.readers.values()].map((r) => r.wiring), message);
    failed.close().catch((error) =>
      log.error("Closing the failed OSDP bus {bus}: {error}", {
        bus: bus.wiring.name,
        error: errorText(error),
      })
    );
    this.#dropReaderState(bus, `went down (${message})`);
    const o = this.#options;
    for (const reader of bus.readers.values()) {
      if (reader.reportedOffline) continue;
      reader.reportedOffline = true;
      o.row(
        readerRow(reader.door, reader.wiring, "READER_OFFLINE", o.clock.now(), {
          reason: "port_down",
          bus_error: message,
        }),
      );
    }
    this.#scheduleRetry(bus);
  }

  /**
   * What the readers of a bus that stops hold: PIN timers, half-entered
   * credentials, an administrator's key rotation (refused with "the bus `what`").
   */
  #dropReaderState(bus: Bus, what: string): void {
    for (const reader of bus.readers.values()) {
      if (reader.timer !== null) this.#options.clock.clearTimeout(reader.timer);
      reader.timer = null;
      reader.collector.reset();
      this.#endRotation(
        reader,
        new Error(
          `The reader's bus ${what} before the reader confirmed the new key. The controller ` +
            "tries the new key, then the old one, when the bus is back",
        ),
      );
    }
  }

  #scheduleRetry(bus: Bus): void {
    if (bus.closed || bus.retry !== null) return;
    bus.retry = setTimeout(() => {
      bus.retry = null;
      if (bus.closed) return;
      const warnings: string[] = [];
      try {
        this.#connect(bus, warnings);
      } catch (error) {
        const message = errorText(error);
        if (message !== bus.error) {
          log.warn("OSDP bus {bus} is still down: {error}", {
            bus: bus.wiring.name,
            error: message,
          });
        }
        bus.error = message;
        this.#scheduleRetry(bus);
        return;
      }
      log.info("OSDP bus {bus} is open again on {port}", {
        bus: bus.wiring.name,
        port: bus.wiring.port,
      });
      for (const warning of warnings) log.warn(warning);
    }, this.#retryMs());
  }

  #serialLibc(): SerialLibc {
    this.#libc ??= loadSerialLibc();
    return this.#libc;
  }

  #readKey(
    reader: OsdpReaderWiring,
    warnings: string[],
    read: typeof readScbk,
  ): Uint8Array | null {
    try {
      return read(this.#options.policyDb, this.#options.secret, reader.id);
    } catch (error) {
      warnings.push(`OSDP reader "${reader.name}": ${errorText(error)}`);
      return null;
    }
  }

  #formats(reader: OsdpReaderWiring, warnings: string[]): readonly WiegandFormat[] {
    const named: WiegandFormat[] = [];
    for (const item of reader.formats) {
      try {
        const format = typeof item === "string" ? findFormat(item) : defineFormat(item);
        if (format !== undefined) named.push(format);
      } catch (error) {
        warnings.push(`OSDP reader "${reader.name}": ${errorText(error)}`);
      }
    }
    return named.length > 0 ? named : FORMAT_CATALOGUE;
  }

  async #closeBus(bus: Bus): Promise<void> {
    bus.closed = true;
    bus.generation++;
    if (bus.retry !== null) clearTimeout(bus.retry);
    bus.retry = null;
    this.#dropReaderState(bus, "was closed");
    await bus.cp.close();
  }

  #onEvent(bus: Bus, event: OsdpEvent): void {
    const reader = bus.readers.get(event.address);
    if (reader === undefined) return;
    const o = this.#options;
    const nowNs = BigInt(Math.round(o.clock.monotonic() * 1e6));
    const row = (alarm: ReaderAlarm, extra: Record<string, unknown> = {}): void =>
      o.row(readerRow(reader.door, reader.wiring, alarm, o.clock.now(), extra));
    switch (event.type) {
      case "card": {
        reader.lastCardAt = o.clock.now();
        const read = decodeFrame(event.bits, event.bitCount, reader.formats);
        if (read.kind === "bad_read") {
          o.badRead(reader.door.id, reader.accessPoint.id, read.reason, read.nbBits);
          return;
        }
        this.#deliver(
          bus,
          reader,
          reader.collector.card({
            cardId: read.cardIdHex,
            nbBits: read.nbBits,
          }, nowNs),
        );
        return;
      }
      case "keypad": {
        const out: Collected[] = [];
        for (const key of event.keys) {
          if (isKeypadKey(key)) out.push(...reader.collector.key(key, nowNs));
        }
        this.#deliver(bus, reader, out);
        return;
      }
      case "online":
        reader.reportedOffline = false;
        return row("READER_ONLINE", { secure: event.secure, trusted: event.trusted });
      case "offline":
        reader.reportedOffline = true;
        return row("READER_OFFLINE");
      case "status":
        row(event.tamper ? "READER_TAMPER" : "READER_TAMPER_END");
        return row(event.power ? "READER_POWER_FAILURE" : "READER_POWER_RESTORED");
      case "alarm":
        return row("READER_SECURITY", { reason: event.reason });
      case "untrusted":
        return row("READER_UNTRUSTED_READ", { what: event.what });
      case "install":
        return row("READER_INSTALL_MODE", { state: event.state });
      case "keyset":
        return this.#onKeyset(reader, event.scbk, event.via, row);
      case "rekey":
        return this.#onRekey(reader, event.outcome, event.reason);
      case "nak":
        return;
    }
  }

  /** The reader holds `scbk` now: stored (the pending key goes), the rotation resolved. */
  #onKeyset(
    reader: Reader,
    scbk: Uint8Array,
    via: "install" | "rotate" | "recovered",
    row: (alarm: ReaderAlarm, extra?: Record<string, string>) => void,
  ): void {
    const o = this.#options;
    reader.pendingKey = false;
    try {
      writeScbk(o.eventsDb, o.secret, reader.wiring.id, scbk, o.clock.now());
      row("READER_KEY_INSTALLED", { via });
    } catch (error) {
      // A rotation's key is still the pending one on disk: a restart tries it first.
      reader.pendingKey = via !== "install";
      log.error("Cannot store the new key of OSDP reader {reader}: {error}", {
        reader: reader.wiring.name,
        error: errorText(error),
      });
      return this.#endRotation(
        reader,
        new Error(`The reader took the new key, but storing it failed: ${errorText(error)}`),
      );
    }
    if (via === "install") {
      return this.#endRotation(reader, new Error("Install mode gave the reader another key"));
    }
    this.#endRotation(reader, null);
  }

  /** A rotation that did not give the reader the new key (`lost`: not known yet). */
  #onRekey(
    reader: Reader,
    outcome: "refused" | "kept_old" | "not_sent" | "lost",
    reason: number | null,
  ): void {
    if (outcome === "lost") return; // the next handshake tells, or the deadline
    reader.pendingKey = false;
    try {
      clearPendingScbk(this.#options.eventsDb, reader.wiring.id);
    } catch (error) {
      log.error("Cannot drop the pending key of OSDP reader {reader}: {error}", {
        reader: reader.wiring.name,
        error: errorText(error),
      });
    }
    const why = {
      refused: `The reader refused the new key${reason === null ? "" : ` (NAK ${reason})`}`,
      kept_old: "The reader did not take the new key",
      not_sent: "The reader went offline before the new key was sent",
    }[outcome];
    this.#endRotation(reader, new Error(`${why}: it keeps its current key`));
  }

  /** Settles the rotation an administrator waits for: resolved when `error` is null. */
  #endRotation(reader: Reader, error: Error | null): void {
    const rotation = reader.rotation;
    if (rotation === null) return;
    reader.rotation = null;
    this.#options.clock.clearTimeout(rotation.timer);
    if (error === null) rotation.resolve();
    else rotation.reject(error);
  }

  #deliver(bus: Bus, reader: Reader, collected: Collected[]): void {
    for (const item of collected) {
      try {
        this.#options.present(reader.door.id, reader.accessPoint.id, item);
      } catch (error) {
        log.error("Access decision failed at door {door}: {error}", {
          door: reader.door.id,
          error: errorText(error),
        });
      }
    }
    if (reader.collector.waitingForPin) bus.cp.signal(reader.wiring.address, "waiting_pin");
    this.#arm(bus, reader);
  }

  #arm(bus: Bus, reader: Reader): void {
    const clock = this.#options.clock;
    if (reader.timer !== null) clock.clearTimeout(reader.timer);
    reader.timer = null;
    const deadline = reader.collector.nextDeadlineNs();
    if (deadline === null) return;
    const nowNs = BigInt(Math.round(clock.monotonic() * 1e6));
    const delayMs = Math.max(0, Number(deadline - nowNs) / 1e6);
    reader.timer = clock.setTimeout(() => {
      reader.timer = null;
      const now = BigInt(Math.round(clock.monotonic() * 1e6));
      this.#deliver(bus, reader, reader.collector.expire(now));
    }, Math.ceil(delayMs));
  }
}

/**
 * A bus whose port is down: its readers are offline, nothing goes out, and
 * what needs the reader online is refused with the port's error.
 */
class DownBus implements OsdpBusControl {
  readonly #readers: readonly OsdpReaderWiring[];
  readonly #error: string;

  constructor(readers: readonly OsdpReaderWiring[], error = "not open yet") {
    this.#readers = readers;
    this.#error = error;
  }

  start(): void {}

  status(): PdStatus[] {
    return this.#readers.map((r) => offlineStatus(r.address, r.useCrc));
  }

  signal(): void {}

  enableInstallMode(): void {
    throw new RangeError(`The reader's bus is down (${this.#error})`);
  }

  rotateKey(): void {
    throw new RangeError(`The reader's bus is down (${this.#error})`);
  }

  disableInstallMode(): void {}

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** What makes a bus reopen when it changes. */
function busKey(list: readonly { reader: OsdpReaderWiring; door: DoorWiring }[]): string {
  return JSON.stringify(list.map(({ reader, door }) => ({
    reader,
    mode: door.accessPoint?.readerMode,
    pin: door.accessPoint?.pinTimeoutMs,
    ap: door.accessPoint?.id,
  })));
}
