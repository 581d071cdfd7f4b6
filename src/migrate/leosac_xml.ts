/**
 * A Leosac 0.8 installation's XML files → a {@linkcode MigrationPlan}.
 *
 * `kernel.xml` gives the hardware (SYSFS_GPIO / LIBGPIOD pins, LED_BUZZER,
 * WIEGAND_READER), the doors (one per AUTH_FILE instance: its target, its
 * first auth source as the reader, the strike from the DOORMAN `GRANTED`
 * action `ON <ms>`, DOORMAN's `doors` for always-open windows, REX and
 * contact) and the permission files (`leosac_auth_file.ts`). The rules that
 * keep decisions equal to Leosac's AUTH_FILE (reference §3.2, §3.4):
 *
 * - a mapping with `<door>` applies where it names `<instance_name>.<target>`
 *   of an instance reading that file, and nowhere else;
 * - a mapping without `<door>` applies at every door of the instances reading
 *   that file; its `<zone>` was ignored by Leosac 0.8.0, so the zone is
 *   created holding those doors;
 * - readers accept raw frames of any length, as Leosac's did;
 * - dates are read as wall-clock times in the controller's zone.
 *
 * Everything not carried over is listed in `plan.notes`.
 *
 * @module
 */
import { dirname, isAbsolute, join } from "node:path";
import type { TimeZoneOffsetProvider } from "../engine/schedule.ts";
import { READER_MODES, type ReaderModeName } from "../store/device_config.ts";
import type { ReaderMode } from "../store/access_points.ts";
import { readAuthFile, readSchedules } from "./leosac_auth_file.ts";
import { planAuthFiles } from "./leosac_xml_policy.ts";
import {
  boolOf,
  child,
  childrenNamed,
  errorAt,
  intOf,
  LeosacImportError,
  parseXml,
  requiredText,
  textOf,
  type XmlElement,
} from "./_xml_tree.ts";
import { emptyPlan, type MigrationPlan, type PlanDoor } from "./plan.ts";

export { LeosacImportError };

/** Modules this import reads. */
const READ_MODULES = [
  "SYSFS_GPIO",
  "LIBGPIOD",
  "LED_BUZZER",
  "WIEGAND_READER",
  "AUTH_FILE",
  "DOORMAN",
];

/** Leosac modules that exist but are not carried over, with what to do instead. */
const NOT_CARRIED: Record<string, string> = {
  PIFACEDIGITAL_GPIO: "the PiFace Digital board is not supported; its pins are not imported",
  LLA: "LibLogicalAccess readers are not supported",
  MQTT: "the MQTT bridge is not supported",
  AUTH_DB: "AUTH_DB decided nothing in Leosac 0.8",
  ALARMS: "alarm devices are not imported (doors raise forced and held-open alarms themselves)",
  WEBSOCK_API: "this controller serves the WebSocket API itself (leosac serve --listen)",
  SMTP: "mail settings are not imported",
  WS_NOTIFIER: "HTTP notification of card reads is not supported (subscribe to events instead)",
  TCP_NOTIFIER: "TCP notification of card reads is not supported (subscribe to events instead)",
  EVENT_PUBLISH: "ZMQ publication of card reads is not supported (subscribe to events instead)",
  RPLETH: "the Rpleth network reader protocol is not supported",
  TEST_AND_RESET: "test and reset cards are not supported",
  MONITOR: "the monitor LEDs and bus log are not supported (see /metrics and the audit log)",
  REPLICATION: "master/slave replication is not supported (see leosac backup)",
  INSTRUMENTATION: "a test module",
  STDIN_CONTROLLER: "a debug module",
  NOTIFD: "an empty module",
};

/** Top-level `kernel.xml` elements that are not carried over. */
const KERNEL_SETTINGS = [
  "database",
  "log",
  "network",
  "remote",
  "autosave",
  "sync_source",
  "sync_dest",
  "no_import",
];

/** What {@linkcode planFromKernelXml} needs. */
export interface XmlSourceOptions {
  /** Reads a file's text (Deno.readTextFileSync in the CLI). */
  readFile(path: string): string;
  /** The controller's time zone (validity dates are wall-clock times). */
  offset: TimeZoneOffsetProvider;
}

/** A module's config, with the file it came from. */
interface Modules {
  byName: Map<string, XmlElement>;
  root: XmlElement;
  instanceName: string;
}

/**
 * Reads `kernelPath` and the permission files it references.
 *
 * @throws {LeosacImportError} naming the file, line and element of malformed
 * XML, an unknown module, a reference to a missing device or user, a bad
 * value; or the file that cannot be read.
 */
export function planFromKernelXml(kernelPath: string, options: XmlSourceOptions): MigrationPlan {
  const kernel = loadXml(kernelPath, options);
  if (kernel.name !== "kernel") throw errorAt(kernel, "expected the root element <kernel>");
  const plan = emptyPlan(kernelPath);
  const modules: Modules = {
    byName: new Map(),
    root: kernel,
    instanceName: requiredText(kernel, "instance_name"),
  };
  for (const setting of KERNEL_SETTINGS) {
    const found = child(kernel, setting);
    if (found) plan.notes.push(`kernel.xml <${setting}> (line ${found.line}) is not carried over`);
  }
  for (const module of childrenNamed(child(kernel, "modules") ?? kernel, "module")) {
    const name = requiredText(module, "name");
    if (READ_MODULES.includes(name)) {
      if (modules.byName.has(name)) throw errorAt(module, `module ${name} is declared twice`);
      modules.byName.set(name, child(module, "module_config") ?? { ...module, children: [] });
    } else if (Object.hasOwn(NOT_CARRIED, name)) {
      plan.notes.push(
        `module ${name} (line ${module.line}) is not carried over: ${NOT_CARRIED[name]}`,
      );
    } else {
      throw errorAt(
        module,
        `unknown module "${name}" (Leosac refuses a name that differs from the module's own, ` +
          `e.g. SYSFS_GPIO, not SYSFS-GPIO)`,
      );
    }
  }
  readGpios(modules, plan);
  readIndicators(modules, plan);
  const pinTimeouts = readReaders(modules, plan);
  const doorOf = readDoors(modules, plan, pinTimeouts);
  readDoormanDoors(modules, plan, options);
  const auth = modules.byName.get("AUTH_FILE");
  const files = new Map<string, string[]>();
  for (const instance of childrenNamed(child(auth ?? kernel, "instances") ?? kernel, "instance")) {
    const path = resolvePath(kernelPath, requiredText(instance, "config_file"));
    files.set(path, [...(files.get(path) ?? []), requiredText(instance, "name")]);
  }
  for (const [path, instances] of files) {
    const authFile = readAuthFile(loadXml(path, options), options.offset);
    planAuthFiles(plan, {
      file: path,
      authFile,
      doors: instances.map((name) => doorOf.get(name)!),
      allDoors: plan.doors.map((d) => d.alias),
    });
  }
  return plan;
}

function loadXml(path: string, options: XmlSourceOptions): XmlElement {
  let text: string;
  try {
    text = options.readFile(path);
  } catch (error) {
    throw new LeosacImportError(path, 0, "", `cannot read: ${(error as Error).message}`);
  }
  return parseXml(text, path);
}

/** Leosac runs in the directory of kernel.xml (/etc/leosac.d): relative paths start there. */
function resolvePath(kernelPath: string, path: string): string {
  return isAbsolute(path) ? path : join(dirname(kernelPath), path);
}

function configOf(modules: Modules, name: string): XmlElement | undefined {
  return modules.byName.get(name);
}

function readGpios(modules: Modules, plan: MigrationPlan): void {
  for (
    const [module, chipOf] of [
      ["SYSFS_GPIO", (_: XmlElement) => "gpiochip0"],
      ["LIBGPIOD", (g: XmlElement) => requiredText(g, "device")],
    ] as const
  ) {
    const config = configOf(modules, module);
    if (!config) continue;
    for (const gpio of child(config, "gpios")?.children ?? []) {
      if (gpio.name !== "gpio") throw errorAt(gpio, "expected <gpio>");
      const name = requiredText(gpio, "name");
      const direction = requiredText(gpio, "direction");
      if (direction !== "in" && direction !== "out") {
        throw errorAt(gpio, `direction must be in or out, found "${direction}"`);
      }
      const mode = textOf(gpio, "interrupt_mode", "none");
      const offsetKey = module === "SYSFS_GPIO" ? "no" : "offset";
      if (child(gpio, offsetKey) === undefined) throw errorAt(gpio, `missing <${offsetKey}>`);
      plan.gpios.push({
        name,
        chip: chipOf(gpio),
        offset: intOf(gpio, offsetKey, 0, { min: 0, max: 65535 }),
        direction,
        interruptMode: mode === "rising" || mode === "falling" || mode === "both" ? mode : "none",
        defaultValue: boolOf(gpio, "value", false),
      });
    }
    if (module === "SYSFS_GPIO" && plan.gpios.length > 0) {
      plan.notes.push(
        "SYSFS_GPIO pin numbers became line offsets on gpiochip0 (true on the kernels of " +
          "Leosac's time); check them with leosac hardware probe",
      );
    }
  }
}

function gpioRef(plan: MigrationPlan, at: XmlElement, name: string): string {
  if (!plan.gpios.some((g) => g.name === name)) throw errorAt(at, `unknown GPIO "${name}"`);
  return name;
}

function readIndicators(modules: Modules, plan: MigrationPlan): void {
  const config = configOf(modules, "LED_BUZZER");
  if (!config) return;
  if (boolOf(config, "use_database", false)) {
    plan.notes.push(
      "LED_BUZZER keeps its devices in Leosac's database: they are not imported (--from copies " +
        "people, credentials, schedules, zones and doors, not hardware); create them here",
    );
  }
  for (const [list, type] of [["leds", "led"], ["buzzers", "buzzer"]] as const) {
    for (const node of child(config, list)?.children ?? []) {
      if (node.name !== type) throw errorAt(node, `expected <${type}>`);
      plan.indicators.push({
        name: requiredText(node, "name"),
        type,
        gpio: gpioRef(plan, node, requiredText(node, "gpio")),
        blinkDurationMs: intOf(node, "default_blink_duration", 1000, { min: 0, max: 3_600_000 }),
        blinkSpeedMs: intOf(node, "default_blink_speed", 100, { min: 0, max: 3_600_000 }),
      });
    }
  }
}

/** Adds the readers; returns reader name → pin_timeout (ms). */
function readReaders(modules: Modules, plan: MigrationPlan): Map<string, number> {
  const pinTimeouts = new Map<string, number>();
  const config = configOf(modules, "WIEGAND_READER");
  if (!config) return pinTimeouts;
  if (boolOf(config, "use_database", false)) {
    plan.notes.push(
      "WIEGAND_READER keeps its readers in Leosac's database: they are not imported (--from " +
        "copies people, credentials, schedules, zones and doors, not hardware); create them here",
    );
  }
  for (const node of child(config, "readers")?.children ?? []) {
    if (node.name !== "reader") throw errorAt(node, "expected <reader>");
    const name = requiredText(node, "name");
    const mode = textOf(node, "mode", "SIMPLE_WIEGAND");
    if (!Object.hasOwn(READER_MODES, mode)) throw errorAt(node, `unknown reader mode "${mode}"`);
    const indicator = (key: string, type: "led" | "buzzer"): string | null => {
      const ref = textOf(node, key, "");
      if (ref === "") return null;
      if (!plan.indicators.some((i) => i.name === ref && i.type === type)) {
        throw errorAt(node, `<${key}> "${ref}" is not a LED_BUZZER ${type}`);
      }
      return ref;
    };
    if (textOf(node, "pin_key_end", "#") !== "#") {
      plan.notes.push(
        `reader "${name}": the PIN ends with # here, not "${textOf(node, "pin_key_end", "#")}"`,
      );
    }
    if (boolOf(node, "nowait", false)) {
      plan.notes.push(
        `reader "${name}": nowait is not carried over (a card is decided at once here)`,
      );
    }
    plan.readers.push({
      name,
      mode: mode as ReaderModeName,
      high: gpioRef(plan, node, requiredText(node, "high")),
      low: gpioRef(plan, node, requiredText(node, "low")),
      greenLed: indicator("green_led", "led"),
      buzzer: indicator("buzzer", "buzzer"),
      formats: ["raw"],
    });
    pinTimeouts.set(name, intOf(node, "pin_timeout", 2500, { min: 1, max: 600_000 }));
  }
  return pinTimeouts;
}

/** How an access point reads, from the Leosac reader mode. */
function accessPointMode(mode: ReaderModeName): ReaderMode {
  if (mode === "SIMPLE_WIEGAND") return "card";
  if (mode.startsWith("WIEGAND_PIN_")) return "pin";
  if (mode.startsWith("WIEGAND_CARD_PIN_")) return "card_and_pin";
  return "card_or_pin";
}

/** A door and the name Leosac's mappings give it (`<instance_name>.<target>`, null: none). */
interface InstanceDoor {
  alias: string;
  target: string | null;
}

/** One door per AUTH_FILE instance; returns instance name → its door. */
function readDoors(
  modules: Modules,
  plan: MigrationPlan,
  pinTimeouts: Map<string, number>,
): Map<string, InstanceDoor> {
  const doorOf = new Map<string, InstanceDoor>();
  const config = configOf(modules, "AUTH_FILE");
  if (!config) {
    plan.notes.push("there is no AUTH_FILE module: no access policy to import");
    return doorOf;
  }
  const doormen = childrenNamed(
    child(configOf(modules, "DOORMAN") ?? config, "instances") ?? config,
    "instance",
  );
  for (const instance of childrenNamed(child(config, "instances") ?? config, "instance")) {
    const name = requiredText(instance, "name");
    const target = textOf(instance, "target", "");
    const sources = childrenNamed(instance, "auth_source").map((s) => s.text);
    const alias = target === "" ? name : target;
    if (plan.doors.some((d) => d.alias === alias)) {
      throw errorAt(instance, `two AUTH_FILE instances make a door "${alias}"`);
    }
    const reader = sources.find((s) => plan.readers.some((r) => r.name === s)) ?? null;
    for (const other of sources.filter((s) => s !== reader)) {
      plan.notes.push(
        `AUTH_FILE instance "${name}": auth source "${other}" is not carried over ` +
          "(a door reads one reader here)",
      );
    }
    const mode = plan.readers.find((r) => r.name === reader)?.mode ?? "SIMPLE_WIEGAND";
    if (mode === "AUTODETECT") {
      plan.notes.push(
        `door "${alias}": an AUTODETECT reader decides a card alone when a card is read ` +
          "(a card+PIN pair is not looked up as a pair)",
      );
    }
    const door: PlanDoor = {
      alias,
      description: target === ""
        ? `Leosac AUTH_FILE instance ${name} (no target: door-specific mappings never applied)`
        : `Leosac ${modules.instanceName}.${target} (AUTH_FILE instance ${name})`,
      reader,
      readerMode: accessPointMode(mode),
      pinTimeoutMs: reader === null ? 10_000 : pinTimeouts.get(reader) ?? 2500,
      // Leosac's card+PIN readers looked up the pair as one WiegandCardPin credential.
      pairsOnly: accessPointMode(mode) === "card_and_pin",
      strike: null,
      contact: null,
      rex: null,
      unlockMs: 5000,
      unlockSchedule: null,
    };
    for (const doorman of doormen) {
      const contexts = childrenNamed(child(doorman, "auth_contexts") ?? doorman, "auth_context")
        .map((c) => requiredText(c, "name"));
      if (!contexts.includes(name)) continue;
      for (const action of child(doorman, "actions")?.children ?? []) {
        readAction(plan, door, action);
      }
    }
    if (door.strike === null) {
      plan.notes.push(`door "${alias}": no DOORMAN GRANTED action drives a strike`);
    }
    plan.doors.push(door);
    doorOf.set(name, { alias, target: target === "" ? null : `${modules.instanceName}.${target}` });
  }
  return doorOf;
}

function readAction(plan: MigrationPlan, door: PlanDoor, action: XmlElement): void {
  const on = requiredText(action, "on");
  const target = requiredText(action, "target");
  const frames = (child(action, "cmd")?.children ?? []).map((f) => f.text);
  const known = [...plan.gpios, ...plan.indicators, ...plan.readers].some((d) => d.name === target);
  if (!known) throw errorAt(action, `unknown target "${target}"`);
  const isGpio = plan.gpios.some((g) => g.name === target);
  if (on === "GRANTED" && isGpio && frames[0] === "ON" && door.strike === null) {
    door.strike = target;
    if (frames[1] !== undefined && /^\d{1,7}$/.test(frames[1])) door.unlockMs = Number(frames[1]);
    else {plan.notes.push(
        `door "${door.alias}": strike "${target}" had no ON duration; ${door.unlockMs} ms here`,
      );}
    return;
  }
  plan.notes.push(
    `door "${door.alias}": DOORMAN action on ${on} to "${target}" (${frames.join(" ")}, line ` +
      `${action.line}) is not carried over` +
      (isGpio ? "" : ": the reader's LED and buzzer give the built-in feedback here"),
  );
}

function readDoormanDoors(modules: Modules, plan: MigrationPlan, _: XmlSourceOptions): void {
  const config = configOf(modules, "DOORMAN");
  for (const node of child(config ?? modules.root, "doors")?.children ?? []) {
    if (!config) break;
    if (node.name !== "door") throw errorAt(node, "expected <door>");
    const name = requiredText(node, "name");
    const gpio = gpioRef(plan, node, requiredText(node, "gpio"));
    let door = plan.doors.find((d) => d.strike === gpio) ??
      plan.doors.find((d) => d.alias === name);
    if (door === undefined) {
      door = {
        alias: name,
        description: `Leosac DOORMAN door ${name} (no AUTH_FILE instance)`,
        reader: null,
        readerMode: "card",
        pinTimeoutMs: 10_000,
        strike: gpio,
        contact: null,
        rex: null,
        unlockMs: 5000,
        unlockSchedule: null,
      };
      plan.doors.push(door);
    }
    door.strike ??= gpio;
    const open = child(child(node, "on") ?? node, "schedules");
    if (open && child(node, "on")) {
      const frames = [...readSchedules(open, plan.notes).values()].flatMap((s) => s.timeframes);
      const key = `doorman:${door.alias}:open`;
      plan.schedules.push({
        key,
        name: `${door.alias} always open`,
        description: `Leosac DOORMAN always-open windows of door ${name}`,
        timeframes: frames,
      });
      door.unlockSchedule = key;
    }
    const closed = child(node, "off");
    if (closed) {
      plan.notes.push(
        `door "${door.alias}": DOORMAN always-closed windows (line ${closed.line}) are not carried ` +
          "over: this controller has no locked-by-schedule mode (set the door's mode to locked)",
      );
    }
    for (const [key, field] of [["exitreq", "rex"], ["contact", "contact"]] as const) {
      const input = child(node, key);
      if (input) door[field] = gpioRef(plan, input, requiredText(input, "gpio"));
    }
    if (child(node, "alarm")) {
      plan.notes.push(
        `door "${door.alias}": the alarm device is not carried over (doors raise their own alarms)`,
      );
    }
  }
}
