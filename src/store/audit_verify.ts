/**
 * Walks the audit hash chains (see `audit_chain.ts`) and names the first row
 * that breaks them: an edited row (its contents no longer match its hash), a
 * deleted one (the next row of its chain follows a row that is gone), an
 * inserted one (a row the next one does not follow, or one without a valid
 * hash).
 *
 * {@linkcode ChainWalker} holds the walking rules and is fed rows in id
 * order; {@linkcode verifyAuditChain} feeds it the database (one read
 * transaction: a consistent snapshot while a controller goes on writing),
 * and `audit_export.ts` feeds it an exported file.
 *
 * What no chain can show: the newest rows removed together (nothing follows
 * them). The result carries each chain's head (last id and hash) so an
 * operator can record it elsewhere and compare later.
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import {
  AUDIT_CHAINS,
  type AuditChain,
  auditChainOf,
  type ChainedRow,
  GENESIS_HASH,
  rowHash,
  storedHashHex,
} from "./audit_chain.ts";
import { int, rowReader, text } from "./rows.ts";

/** Where a chain stands: the last row checked (or the anchor, or genesis: id 0). */
export interface ChainPoint {
  id: number;
  hash: string;
}

/** The first break found. */
export interface ChainBreak {
  /** The row named as broken. */
  rowId: number;
  /** What is wrong with it, in a sentence. */
  problem: string;
}

/** The outcome of a walk. */
export type ChainReport =
  | {
    ok: true;
    /** Rows checked. */
    rows: number;
    /** Lowest and highest id checked (null when there were none). */
    firstId: number | null;
    lastId: number | null;
    /** Where each chain starts (its anchor, or genesis) and ends. */
    chains: Record<AuditChain, { from: ChainPoint; head: ChainPoint; rows: number }>;
  }
  | ({ ok: false; rows: number } & ChainBreak);

/** Checks rows of the chains in id order; the first break is kept. */
export class ChainWalker {
  readonly #from: Record<AuditChain, ChainPoint>;
  readonly #last: Record<AuditChain, ChainPoint>;
  readonly #counts: Record<AuditChain, number> = { access: 0, other: 0 };
  #rows = 0;
  #firstId: number | null = null;
  #lastId = 0;
  #break: ChainBreak | null = null;

  /** Starts each chain at its anchor (absent: the genesis hash, id 0). */
  constructor(anchors: Partial<Record<AuditChain, ChainPoint>> = {}) {
    const start = (chain: AuditChain): ChainPoint =>
      anchors[chain] ?? { id: 0, hash: GENESIS_HASH };
    this.#from = { access: start("access"), other: start("other") };
    this.#last = { ...this.#from };
  }

  /** The first break, once found. */
  get broken(): ChainBreak | null {
    return this.#break;
  }

  /** Checks the next row (ids ascending); returns false once the chain is broken. */
  add(row: ChainedRow & { hash: unknown }): boolean {
    if (this.#break !== null) return false;
    const problem = this.#check(row);
    if (problem !== null) {
      this.#break = problem;
      return false;
    }
    return true;
  }

  #check(row: ChainedRow & { hash: unknown }): ChainBreak | null {
    const id = Number(row.id);
    if (!Number.isSafeInteger(id) || id <= this.#lastId) {
      return { rowId: id, problem: `row ${row.id} is out of id order (after row ${this.#lastId})` };
    }
    const chain = row.chain as AuditChain;
    if (!AUDIT_CHAINS.includes(chain)) {
      return {
        rowId: id,
        problem: `row ${id} names an unknown chain ${JSON.stringify(row.chain)}`,
      };
    }
    const stored = storedHashHex(row.hash);
    if (stored === null) {
      return {
        rowId: id,
        problem: `row ${id} has no valid hash: it was inserted outside Leosac, or its hash erased`,
      };
    }
    const prev = this.#last[chain];
    const from = this.#from[chain];
    if (id <= from.id) {
      return {
        rowId: id,
        problem: `row ${id} is older than the ${chain} chain's anchor (row ${from.id}, ` +
          "the last one retention removed): it was inserted",
      };
    }
    const prevId = Number(row.prev_id);
    if (prevId > prev.id) {
      return {
        rowId: id,
        problem: `the ${chain} chain misses row ${prevId}, which row ${id} follows: ` +
          `it was deleted (the last ${chain} row present before it is ${prev.id || "none"})`,
      };
    }
    if (prevId < prev.id) {
      return {
        rowId: prev.id,
        problem: `row ${prev.id} was inserted: the next row of the ${chain} chain, ${id}, ` +
          `follows row ${prevId || "none (the chain's start)"}, not it`,
      };
    }
    const expected = auditChainOf(String(row.kind), Number(row.event_mask));
    if (expected !== chain) {
      return {
        rowId: id,
        problem: `row ${id} was edited: its kind and mask belong to the ${expected} chain, ` +
          `it is stored in the ${chain} chain`,
      };
    }
    if (rowHash(prev.hash, row) !== stored) {
      return {
        rowId: id,
        problem: `row ${id} was edited: its contents do not match its hash` +
          (prev.id > 0
            ? ` (or row ${prev.id}, which it follows, was rewritten with a new hash)`
            : ""),
      };
    }
    this.#last[chain] = { id, hash: stored };
    this.#counts[chain]++;
    this.#rows++;
    this.#firstId ??= id;
    this.#lastId = id;
    return null;
  }

  /** The outcome so far. */
  report(): ChainReport {
    if (this.#break !== null) return { ok: false, rows: this.#rows, ...this.#break };
    const summary = (chain: AuditChain): { from: ChainPoint; head: ChainPoint; rows: number } => ({
      from: this.#from[chain],
      head: this.#last[chain],
      rows: this.#counts[chain],
    });
    return {
      ok: true,
      rows: this.#rows,
      firstId: this.#firstId,
      lastId: this.#firstId === null ? null : this.#lastId,
      chains: { access: summary("access"), other: summary("other") },
    };
  }
}

const readAnchor = rowReader("audit_anchors", { chain: text, last_id: int });

/** The anchors retention has recorded (a chain without one starts at genesis). */
export function readAnchors(db: DatabaseSync): Partial<Record<AuditChain, ChainPoint>> {
  const anchors: Partial<Record<AuditChain, ChainPoint>> = {};
  for (const raw of db.prepare("SELECT chain, last_id, last_hash FROM audit_anchors").all()) {
    const row = readAnchor(raw);
    const hash = storedHashHex(raw.last_hash);
    if (AUDIT_CHAINS.includes(row.chain as AuditChain)) {
      // A damaged anchor hash cannot match the next row: the walk names that row.
      anchors[row.chain as AuditChain] = { id: row.last_id, hash: hash ?? "" };
    }
  }
  return anchors;
}

/** Rows read per statement while walking. */
const WALK_BATCH_ROWS = 2000;

/**
 * Walks every audit row from the anchors, in one read transaction (a
 * consistent snapshot however many writers go on appending).
 *
 * @throws {Error} (node:sqlite's) when the tables of schema 5 are missing.
 */
export function verifyAuditChain(db: DatabaseSync): ChainReport {
  const own = !db.isTransaction;
  if (own) db.exec("BEGIN");
  try {
    const walker = new ChainWalker(readAnchors(db));
    const select = db.prepare("SELECT * FROM audit_events WHERE id > ? ORDER BY id LIMIT ?");
    for (let after = Number.MIN_SAFE_INTEGER;;) {
      const rows = select.all(after, WALK_BATCH_ROWS);
      if (rows.length === 0) break;
      for (const row of rows) {
        if (!walker.add(row as ChainedRow & { hash: unknown })) return walker.report();
        after = Number(row.id);
      }
    }
    return walker.report();
  } finally {
    if (own && db.isTransaction) db.exec("COMMIT");
  }
}
