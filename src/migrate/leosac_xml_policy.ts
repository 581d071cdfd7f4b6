/**
 * One AUTH_FILE permission file (read by `leosac_auth_file.ts`) → the users,
 * groups, credentials, schedules, zones and mappings of a
 * {@linkcode MigrationPlan}, for the doors of the instances that read it.
 *
 * @module
 */
import type { AuthFile, AuthFileCredential } from "./leosac_auth_file.ts";
import { errorAt } from "./_xml_tree.ts";
import type { MigrationPlan, PlanMapping } from "./plan.ts";

/** The doors of the AUTH_FILE instances reading one file. */
export interface AuthFileDoors {
  /** The permission file. */
  file: string;
  authFile: AuthFile;
  /** Door alias of each instance reading the file, and its `<instance_name>.<target>` (null: none). */
  doors: { alias: string; target: string | null }[];
  /** Every door of the plan. */
  allDoors: string[];
}

/**
 * Adds the file's policy to `plan`.
 *
 * @throws {LeosacImportError} when a user, group or card id is also in
 * another permission file (two users in Leosac; one name here).
 */
export function planAuthFiles(plan: MigrationPlan, input: AuthFileDoors): void {
  const { authFile, file } = input;
  plan.notes.push(...authFile.notes);
  for (const user of authFile.users.values()) {
    if (plan.users.some((u) => u.username === user.username)) {
      throw errorAt(user.element, `user "${user.username}" is also in another permission file`);
    }
    plan.users.push({
      username: user.username,
      firstname: user.firstname,
      lastname: user.lastname,
      email: user.email,
      rank: 0,
      validity: user.validity,
      password: null,
    });
  }
  for (const [name, group] of authFile.groups) {
    if (plan.groups.some((g) => g.name === name)) {
      throw errorAt(group.element, `group "${name}" is also in another permission file`);
    }
    plan.groups.push({
      name,
      description: `Imported from ${file}`,
      members: group.members.map((username) => ({ username, rank: 0 })),
    });
  }
  const keysByAlias = planCredentials(plan, input);
  const prefix = `${file}#`;
  for (const schedule of authFile.schedules.values()) {
    plan.schedules.push({
      key: prefix + schedule.name,
      name: schedule.name,
      description: `Imported from ${file}`,
      timeframes: schedule.timeframes,
    });
  }
  const fileDoors = input.doors.map((d) => d.alias);
  const everyDoor = input.allDoors.every((a) => fileDoors.includes(a));
  for (const map of authFile.mappings) {
    const at = `${map.element.file}:${map.element.line}`;
    let doors: string[] = [];
    let zones: string[] = [];
    if (map.door !== "") {
      doors = input.doors.filter((d) => d.target === map.door).map((d) => d.alias);
      if (map.zone !== "") {
        plan.notes.push(
          `the mapping at ${at}: its zone "${map.zone}" was ignored by Leosac 0.8.0 (the door counts)`,
        );
      }
      if (doors.length === 0) {
        const bare = input.doors.find((d) => d.target?.endsWith(`.${map.door}`));
        plan.notes.push(
          `the mapping at ${at} names door "${map.door}", which no AUTH_FILE instance reading ` +
            `this file targets, so it never granted in Leosac: not imported` +
            (bare ? ` (Leosac names that door "${bare.target}")` : ""),
        );
        continue;
      }
    } else if (map.zone !== "") {
      if (everyDoor) {
        zones = [map.zone];
        if (!plan.zones.some((z) => z.alias === map.zone)) {
          plan.zones.push({
            alias: map.zone,
            description: "Imported from Leosac: holds every door, as Leosac 0.8.0 ignored zones",
            type: 1,
            doors: [...input.allDoors],
            children: [],
          });
        }
      } else doors = fileDoors;
      plan.notes.push(
        `the mapping at ${at} names zone "${map.zone}", which Leosac 0.8.0 ignored (the mapping ` +
          `applied at every door of this file's instances): ` +
          (everyDoor
            ? `zone "${map.zone}" is created holding every door`
            : "mapped to those doors"),
      );
    } else if (!everyDoor) doors = fileDoors;
    const credentials = map.credentials.flatMap((alias) => keysByAlias.get(alias) ?? []);
    for (const schedule of map.schedules) {
      const mapping: PlanMapping = {
        schedule: prefix + schedule,
        alias: `${schedule} (${at})`,
        users: map.users,
        groups: map.groups,
        credentials,
        doors,
        zones,
      };
      plan.mappings.push(mapping);
    }
  }
}

/**
 * Adds the file's cards and PINs; returns Leosac credential id → plan keys.
 * A `WiegandCardPin` becomes a card bound to its PIN (`requiredPin`), so the
 * pair opens only together, as in Leosac, unless its card id is also another
 * credential's (then one card here, which must keep working alone).
 */
function planCredentials(plan: MigrationPlan, input: AuthFileDoors): Map<string, string[]> {
  const keysByAlias = new Map<string, string[]>();
  const cards = new Map<string, string>();
  /** Card key → the pairs and other credentials using that card. */
  const users = new Map<string, { pinKeys: string[]; alone: boolean; at: string[] }>();
  for (const credential of input.authFile.credentials) {
    const at = `${credential.element.file}:${credential.element.line}`;
    const keys: string[] = [];
    if (credential.cardId !== null) {
      const existing = cards.get(credential.cardId);
      if (existing !== undefined) {
        plan.notes.push(
          `card ${credential.cardId} (${credential.kind}, ${at}) is one card here with the ` +
            "earlier credential of that card id",
        );
        keys.push(existing);
        users.get(existing)!.at.push(at);
      } else {
        if (
          plan.credentials.some((c) => c.type === "rfid-card" && c.cardId === credential.cardId)
        ) {
          throw errorAt(
            credential.element,
            `card ${credential.cardId} is also in another permission file`,
          );
        }
        const key = `${at}#card`;
        plan.credentials.push({
          key,
          type: "rfid-card",
          alias: aliasOf(credential, "card"),
          description: `Leosac ${credential.kind} (${at})`,
          owner: credential.owner,
          validity: credential.validity,
          cardId: credential.cardId,
          nbBits: credential.bits,
        });
        cards.set(credential.cardId, key);
        keys.push(key);
        users.set(key, { pinKeys: [], alone: false, at: [at] });
      }
      const use = users.get(cards.get(credential.cardId)!)!;
      if (credential.kind === "WiegandCard") use.alone = true;
    }
    if (credential.pin !== null) {
      const key = `${at}#pin`;
      plan.credentials.push({
        key,
        type: "pin-code",
        alias: aliasOf(credential, "PIN"),
        description: `Leosac ${credential.kind} (${at})`,
        owner: credential.owner,
        validity: credential.validity,
        pin: credential.pin,
      });
      // A pair is mapped through its card (the PIN is bound to it, below).
      if (credential.kind === "PINCode") keys.push(key);
      else users.get(cards.get(credential.cardId!)!)!.pinKeys.push(key);
    }
    if (credential.alias !== "") keysByAlias.set(credential.alias, keys);
  }
  for (const [cardKey, use] of users) {
    if (use.pinKeys.length === 0) continue;
    if (use.pinKeys.length === 1 && !use.alone) {
      const card = plan.credentials.find((c) => c.key === cardKey);
      if (card?.type === "rfid-card") card.requiredPin = use.pinKeys[0]!;
      continue;
    }
    const card = plan.credentials.find((c) => c.key === cardKey);
    plan.notes.push(
      `card ${card?.type === "rfid-card" ? card.cardId : cardKey} is used by several ` +
        `credentials (${use.at.join(", ")}), at least one a WiegandCardPin: it is one card here ` +
        "and is not bound to a PIN, so it opens alone, with any PIN of its owner at a card+PIN " +
        "reader, and the pairs' PINs open PIN-only doors alone (Leosac accepted each pair only " +
        "together)",
    );
  }
  return keysByAlias;
}

function aliasOf(credential: AuthFileCredential, what: string): string {
  const base = credential.alias !== "" ? credential.alias : `${credential.owner} ${what}`;
  return base.slice(0, 50);
}
