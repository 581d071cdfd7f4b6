/**
 * The context one call's handler receives ({@linkcode EndpointContext}): a
 * class, so a call costs one object and no closures.
 *
 * @module
 */
import { appendAudit, type AuditEntry } from "../store/audit.ts";
import { transaction } from "../store/db.ts";
import type { Store } from "../store/store.ts";
import type { ControllerPort } from "../controller/port.ts";
import type { EndpointContext, Services, SessionPort } from "./endpoint.ts";
import {
  type Action,
  type Actor,
  isAllowed,
  type Relations,
  requirePermission,
  type Target,
} from "./permissions.ts";

/** The context of one call; `checked` records whether the handler checked a permission. */
export class CallContext implements EndpointContext<Action, keyof Services> {
  /** True once the handler called {@linkcode CallContext.require} or {@linkcode CallContext.can}. */
  checked = false;
  readonly #relations: Relations;

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
  ) {
    this.#relations = relations;
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
    return transaction(this.store.db, fn);
  }

  audit(entry: Omit<AuditEntry, "timestamp">): void {
    appendAudit(this.store.db, { ...entry, timestamp: this.now });
  }
}
