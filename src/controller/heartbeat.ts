/**
 * The supervisor's heartbeat: a `ping` to the worker `intervalMs` after each
 * answer; no answer within `timeoutMs` means the worker is stuck.
 *
 * @module
 */
import type { Clock, TimerHandle } from "../clock.ts";
import type { WorkerChannel } from "./channel.ts";
import { CONTROLLER_ERROR, ControllerError } from "./protocol.ts";

/** Heartbeat timings. */
export interface HeartbeatOptions {
  intervalMs: number;
  timeoutMs: number;
}

/**
 * Starts pinging over `channel`; calls `onSilent` once if a ping times out.
 * Returns a function that stops the heartbeat (after which `onSilent` is
 * never called). A ping failing otherwise (the channel closed) ends it quietly.
 */
export function startHeartbeat(
  channel: WorkerChannel,
  clock: Clock,
  { intervalMs, timeoutMs }: HeartbeatOptions,
  onSilent: () => void,
): () => void {
  let stopped = false;
  let timer: TimerHandle | null = null;
  const beat = (): void => {
    timer = null;
    channel.send({ type: "ping" }, timeoutMs).then(
      () => {
        if (!stopped) timer = clock.setTimeout(beat, intervalMs);
      },
      (error: unknown) => {
        if (stopped) return;
        if (error instanceof ControllerError && error.code === CONTROLLER_ERROR.TIMEOUT) onSilent();
      },
    );
  };
  timer = clock.setTimeout(beat, intervalMs);
  return () => {
    stopped = true;
    if (timer !== null) clock.clearTimeout(timer);
    timer = null;
  };
}
