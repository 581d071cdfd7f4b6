/**
 * Bulk population for the access benchmark: N cardholders (user + H10301
 * card + two group memberships each) inserted with prepared statements in one
 * transaction, two doors (a fixed-length reader and a silence-timeout
 * reader) and an all-week schedule mapped to 10 of the 50 groups.
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import { cardIdHex, encodeCard, H10301 } from "../src/hardware/wiegand/formats.ts";
import { transaction } from "../src/store/db.ts";

/** Number of groups; users of groups 0..MAPPED_GROUPS-1 are granted. */
const GROUPS = 50;
const MAPPED_GROUPS = 10;
/** Readers named `bench-api-0` … for the API load test. */
export const API_READERS = 10;

/** A populated database. */
export interface Population {
  size: number;
  fixed: { doorId: number; lines: { d0: number; d1: number; strike: number } };
  silence: { doorId: number; lines: { d0: number; d1: number; strike: number } };
  /** A random user whose card is granted at both doors. */
  grantedUser(): number;
  /** A random user whose card is known but mapped to no schedule (NO_SCHEDULE). */
  deniedUser(): number;
}

function groupsOf(i: number): [number, number] {
  const g1 = i % GROUPS;
  return [g1, (g1 + 1 + (i % (GROUPS - 1))) % GROUPS];
}

/** H10301 frame bits of user `i` (facility i >> 16, number i & 0xffff), as a number. */
function h10301(i: number): number {
  const data = ((i >> 16) << 16) | (i & 0xffff); // 24 data bits
  const ones = (x: number): number => {
    let n = 0;
    for (; x !== 0; x &= x - 1) n++;
    return n;
  };
  const even = ones(data >> 12) % 2; // makes bits 0..12 even
  const odd = 1 - (ones(data & 0xfff) % 2); // makes bits 13..25 odd
  return (even * 2 ** 25) + data * 2 + odd;
}

function cardId(i: number): string {
  const hex = (h10301(i) * 64).toString(16).padStart(8, "0");
  return `${hex.slice(0, 2)}:${hex.slice(2, 4)}:${hex.slice(4, 6)}:${hex.slice(6, 8)}`;
}

/** Inserts `n` cardholders and the two doors. */
export function populate(db: DatabaseSync, n: number): Population {
  for (const i of [1, 70_000, 999_999]) {
    const frame = encodeCard(H10301, i >> 16, i & 0xffff);
    if (cardId(i) !== cardIdHex(frame.bits, frame.nbBits)) throw new Error("H10301 mismatch");
  }
  transaction(db, () => {
    const group = db.prepare("INSERT INTO groups (id, name) VALUES (?, ?)");
    for (let g = 0; g < GROUPS; g++) group.run(g + 1, `group-${g}`);
    const user = db.prepare("INSERT INTO users (id, username) VALUES (?, ?)");
    const card = db.prepare(
      "INSERT INTO credentials (id, type, owner_id, card_id, nb_bits) VALUES (?, 'rfid-card', ?, ?, 26)",
    );
    const member = db.prepare(
      "INSERT INTO memberships (user_id, group_id, rank, timestamp) VALUES (?, ?, 0, 0)",
    );
    for (let i = 1; i <= n; i++) {
      user.run(i, `user-${i}`);
      card.run(i, i, cardId(i));
      for (const g of groupsOf(i)) member.run(i, g + 1);
    }
    const device = db.prepare(
      "INSERT INTO devices (id, name, type, device_class, config) VALUES (?, ?, ?, ?, ?)",
    );
    const gpio = (name: string, offset: number): string => {
      device.run(name, name, "gpio", 1, JSON.stringify({ offset }));
      return name;
    };
    const door = (name: string, base: number, fixedLength: number | null): number => {
      device.run(
        `${name}-reader`,
        name,
        "wiegand-reader",
        2,
        JSON.stringify({
          mode: "SIMPLE_WIEGAND",
          gpio_low_id: gpio(`${name}-d0`, base),
          gpio_high_id: gpio(`${name}-d1`, base + 1),
          ...(fixedLength === null ? {} : { fixed_length: fixedLength }),
        }),
      );
      const ap = db.prepare(
        "INSERT INTO access_points (alias, reader_id) VALUES (?, ?) RETURNING id",
      ).get(name, `${name}-reader`) as { id: number };
      return (db.prepare(
        `INSERT INTO doors (alias, access_point_id, strike_gpio_id) VALUES (?, ?, ?) RETURNING id`,
      ).get(name, ap.id, gpio(`${name}-strike`, base + 2)) as { id: number }).id;
    };
    const fixed = door("bench-fixed", 0, 26);
    const silence = door("bench-silence", 4, null);
    // More readers for the API load test: one Wiegand reader cannot deliver
    // 100 cards per second (a 26-bit frame alone lasts 52 ms).
    const extra = Array.from(
      { length: API_READERS },
      (_, k) => door(`bench-api-${k}`, 8 + 3 * k, 26),
    );
    const schedule = (db.prepare("INSERT INTO schedules (name) VALUES ('always') RETURNING id")
      .get() as { id: number }).id;
    const frame = db.prepare(
      "INSERT INTO schedule_timeframes (schedule_id, position, day, start_minute, end_minute) VALUES (?, ?, ?, 0, 1439)",
    );
    for (let d = 0; d < 7; d++) frame.run(schedule, d, d);
    const mapping = (db.prepare(
      "INSERT INTO schedule_mappings (schedule_id, alias) VALUES (?, 'bench') RETURNING id",
    ).get(schedule) as { id: number }).id;
    for (let g = 0; g < MAPPED_GROUPS; g++) {
      db.prepare("INSERT INTO mapping_groups (mapping_id, group_id) VALUES (?, ?)").run(
        mapping,
        g + 1,
      );
    }
    for (const d of [fixed, silence, ...extra]) {
      db.prepare("INSERT INTO mapping_doors (mapping_id, door_id) VALUES (?, ?)").run(mapping, d);
    }
  });
  db.exec("ANALYZE");
  const random = (): number => 1 + Math.floor(Math.random() * n);
  return {
    size: n,
    fixed: { doorId: 1, lines: { d0: 0, d1: 1, strike: 2 } },
    silence: { doorId: 2, lines: { d0: 4, d1: 5, strike: 6 } },
    grantedUser() {
      for (;;) {
        const i = random();
        if (groupsOf(i).some((g) => g < MAPPED_GROUPS)) return i;
      }
    },
    deniedUser() {
      for (;;) {
        const i = random();
        if (groupsOf(i).every((g) => g >= MAPPED_GROUPS)) return i;
      }
    },
  };
}
