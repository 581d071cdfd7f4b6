/**
 * The context one call's handler receives ({@linkcode EndpointContext}): a
 * class, so a call costs one object and no closures.
 *
 * @module
 */
import { AppError, STATUS } from "../errors.ts";
import { logger } from "../log.ts";
import { appendAudit, type AuditEntry } from "../store/audit.ts";
import { transaction } from "../store/db.ts";
import { isDiskFullError } from "../store/disk_reserve.ts";
import type { Store } from "../store/store.ts";
import type { ControllerPort } from "../controller/port.ts";
import type { Capture, Change } from "../site/capture.ts";
import type { EndpointContext, Services, SessionPort } from "./endpoint.ts";
import {
  type Action,
  type Actor,
  isAllowed,
  type Relations,
  requirePermission,
  type Target,
} from "./permissions.ts";

const log = logger("store");

/** Stores whose lost database file has already raised its alarm (one alarm per store). */
const ALARMED = new WeakSet<Store>();

/**
 * Refuses a write when the database file was deleted or replaced under the
 * running server: SQLite would go on writing to a file nobody can see, and
 * the change would be lost at the next start. The first refusal raises an
 * alarm (an error log line and an `event.alarm` with `audit_id` -1: there is
 * no file to hold its row). Doors keep deciding from the open file.
 */
function refuseLostDatabase(store: Store, services: Services, now: number): void {
  const state = store.fileState();
  if (state === "ok") return;
  const what = state === "missing" ? "deleted" : "replaced by another file";
  if (!ALARMED.has(store)) {
    ALARMED.add(store);
    log.error(
      "The database file {path} was {what} while the server runs: changes are refused; restore it and restart",
      { path: store.databasePath, what },
    );
    services.events.publish({
      category: "alarm",
      audit_id: -1,
      timestamp: now,
      alarm: "database_file_lost",
      reason: state,
    });
  }
  throw new AppError(
    STATUS.DATABASE_ERROR,
    "odb::exception",
    `Database Error: The database file was ${what} while the server runs; nothing was changed. ` +
      "Restore it from a backup and restart the server.",
  );
}

/**
 * Where a site-wide call's writes go in a site (`src/site/policy_log.ts`):
 * each transaction is captured and rolled back; its rows and audit entries
 * are collected here, published, and applied by the policy log.
 */
export interface SiteCaptureSink {
  readonly capture: Capture;
  readonly changes: Change[];
  readonly audits: Omit<AuditEntry, "timestamp">[];
}

/** The context of one call; `checked` records whether the handler checked a permission. */
export class CallContext implements EndpointContext<Action, keyof Services> {
  /** True once the handler called {@linkcode CallContext.require} or {@linkcode CallContext.can}. */
  checked = false;
  /** Set by the handler: the call gets no row of its own, it is counted (`junk_tally.ts`). */
  countedOnly = false;
  readonly #relations: Relations;
  readonly #sink: SiteCaptureSink | null;

  constructor(
    readonly now: number,
    readonly uuid: string,
    readonly type: string,
    readonly store: Store,
    readonly controller: ControllerPort | null,
    readonly session: SessionPort,
    readonly services: Services,
    readonly signal: AbortSignal,
    relations: Relations,
    sink: SiteCaptureSink | null = null,
  ) {
    this.#relations = relations;
    this.#sink = sink;
  }

  require(action: Action, target: Target = {}): Actor {
    this.checked = true;
    return requirePermission(this.session.actor, action, target, this.#relations);
  }

  can(action: Action, target: Target = {}): boolean {
    this.checked = true;
    const actor = this.session.actor;
    return actor !== null && isAllowed(actor, action, target, this.#relations);
  }

  transaction<T>(fn: () => T): T {
    this.signal.throwIfAborted();
    if (this.store.db.isTransaction) return transaction(this.store.db, fn);
    refuseLostDatabase(this.store, this.services, this.now);
    const sink = this.#sink;
    if (sink !== null) {
      const { result, changes } = sink.capture.run(fn);
      sink.changes.push(...changes);
      return result;
    }
    try {
      return transaction(this.store.db, fn);
    } catch (error) {
      // The change is refused (status 9); the reserve's space lets the next one in.
      if (isDiskFullError(error)) this.store.reserve.release("a change could not be stored");
      throw error;
    }
  }

  audit(entry: Omit<AuditEntry, "timestamp">): void {
    if (this.#sink !== null) {
      this.#sink.audits.push(entry);
      return;
    }
    appendAudit(this.store.db, { ...entry, timestamp: this.now });
  }
}
