/**
 * Fan-out of live events (access, door, alarm) to subscribed sessions.
 *
 * @module
 */

/** A live event as pushed to clients. */
export interface LiveEvent {
  /** Event family: "access", "door", "alarm", "hardware". */
  category: string;
  /** The event's own fields (pushed as the frame's content). */
  [key: string]: unknown;
}

/** A subscriber callback. */
export type EventListener = (event: LiveEvent) => void;

/** Keeps the subscribers and delivers events to them. */
export class EventHub {
  readonly #listeners = new Set<EventListener>();

  /** Adds a listener; returns a function that removes it. */
  subscribe(listener: EventListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Delivers an event to every listener (a failing listener does not stop the others). */
  publish(event: LiveEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch {
        // A listener is a session send; a closed socket must not break the fan-out.
      }
    }
  }

  /** Number of listeners (tests, metrics). */
  get size(): number {
    return this.#listeners.size;
  }
}
