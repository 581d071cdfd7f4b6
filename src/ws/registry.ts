/**
 * The live sessions, so one session's action can reach others
 * (`password_change` closing a user's other sessions, shutdown).
 *
 * @module
 */

/** What the registry needs from a session. */
export interface RegisteredSession {
  /** Connection id. */
  readonly id: string;
  /** The logged-in user id, or null. */
  userId(): number | null;
  /** Logs the session out and tells the client why (pushes `session_closed`). */
  abort(reason: string): void;
  /** Closes the connection. */
  close(code: number, reason: string): void;
  /**
   * Checks the login against the database at `now` and aborts the session
   * (with the reason) when it is no longer valid. True when it was aborted.
   */
  recheck(now: number): boolean;
}

/** The set of open sessions. */
export class SessionRegistry {
  readonly #sessions = new Map<string, RegisteredSession>();
  /** Called after each removal (see {@linkcode whenAtMost}). */
  readonly #onRemove = new Set<() => void>();

  /** Registers an open session. */
  add(session: RegisteredSession): void {
    this.#sessions.set(session.id, session);
  }

  /** Forgets a closed session. */
  remove(session: RegisteredSession): void {
    this.#sessions.delete(session.id);
    for (const wake of this.#onRemove) wake();
  }

  /** Resolves once at most `count` sessions are open (at once if that is already so). */
  whenAtMost(count: number): Promise<void> {
    if (this.#sessions.size <= count) return Promise.resolve();
    const { promise, resolve } = Promise.withResolvers<void>();
    const check = (): void => {
      if (this.#sessions.size > count) return;
      this.#onRemove.delete(check);
      resolve();
    };
    this.#onRemove.add(check);
    return promise;
  }

  /** Every session logged in as `userId`, except `exceptId`. */
  sessionsOf(userId: number, exceptId?: string): RegisteredSession[] {
    return [...this.#sessions.values()].filter((s) => s.id !== exceptId && s.userId() === userId);
  }

  /** Re-checks every session's login (see `RegisteredSession.recheck`); returns how many were aborted. */
  recheckAll(now: number): number {
    let aborted = 0;
    for (const session of [...this.#sessions.values()]) {
      if (session.recheck(now)) aborted++;
    }
    return aborted;
  }

  /** Closes every session (shutdown). */
  closeAll(code: number, reason: string): void {
    for (const session of this.#sessions.values()) session.close(code, reason);
  }

  /** How many sessions are open. */
  get size(): number {
    return this.#sessions.size;
  }
}
