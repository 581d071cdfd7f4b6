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
}

/** The set of open sessions. */
export class SessionRegistry {
  readonly #sessions = new Map<string, RegisteredSession>();

  add(session: RegisteredSession): void {
    this.#sessions.set(session.id, session);
  }

  remove(session: RegisteredSession): void {
    this.#sessions.delete(session.id);
  }

  /** Every session logged in as `userId`, except `exceptId`. */
  sessionsOf(userId: number, exceptId?: string): RegisteredSession[] {
    return [...this.#sessions.values()].filter((s) => s.id !== exceptId && s.userId() === userId);
  }

  /** Closes every session (shutdown). */
  closeAll(code: number, reason: string): void {
    for (const session of this.#sessions.values()) session.close(code, reason);
  }

  get size(): number {
    return this.#sessions.size;
  }
}
