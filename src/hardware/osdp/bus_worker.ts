/**
 * The thread of one OSDP bus (see `bus_thread.ts`): runs a
 * {@linkcode ControlPanel} over a {@linkcode BlockingSerialPort} on the fd its
 * owner opened. Its event loop runs only while a wait takes the owner's
 * messages; the rest of the time it is inside `poll`.
 *
 * @module
 */
import { BlockingSerialPort, OwnerGoneError } from "./blocking_port.ts";
import type { BusCall, FromBusThread, ToBusThread } from "./bus_thread.ts";
import { ControlPanel } from "./control_panel.ts";
import type { PdStatus } from "./pd_link.ts";
import { loadSerialLibc } from "./serial_libc.ts";
import { errorText } from "../../errors.ts";

/** The parts of the worker global scope used here. */
interface BusWorkerScope {
  postMessage(message: FromBusThread): void;
  onmessage: ((event: MessageEvent<ToBusThread>) => void) | null;
  close(): void;
}

let scope: BusWorkerScope | null = null;
let cp: ControlPanel | null = null;
/** Messages announced on the eventfd, and received. */
let announced = 0;
let received = 0;
let caughtUp: (() => void) | null = null;
let lastStatus = "";
/** A card was reported: the owner's LED for it is awaited before the next turn. */
let cardReported = false;

/**
 * How long the bus waits after a card for the owner's answer (its decision's
 * LED, buzzer and text), so that they are the very next commands on the bus,
 * as with a control panel on the owner's own thread. A decision takes a few
 * ms; one that takes longer goes out a turn later.
 */
export const CARD_ANSWER_WAIT_MS = 20;

function post(message: FromBusThread): void {
  scope?.postMessage(message);
}

function status(): PdStatus[] {
  return cp?.status() ?? [];
}

/** Posts the status when it changed since the last one posted. */
function postStatusIfChanged(): void {
  const now = status();
  const text = JSON.stringify(now);
  if (text === lastStatus) return;
  lastStatus = text;
  post({ type: "status", status: now });
}

function apply(call: BusCall): void {
  const panel = cp!;
  try {
    switch (call.method) {
      case "signal":
        return panel.signal(call.address, call.signal);
      case "enableInstallMode":
        return panel.enableInstallMode(call.address, call.timeoutMs);
      case "rotateKey":
        return panel.rotateKey(call.address, call.scbk);
      case "disableInstallMode":
        return panel.disableInstallMode(call.address);
    }
  } catch (error) {
    post({ type: "refused", call, message: errorText(error) });
  }
}

function start(init: Extract<ToBusThread, { type: "init" }>): void {
  const libc = loadSerialLibc();
  const life = init.lifeline === null ? null : new Int32Array(init.lifeline);
  const ownerGone = (): boolean => life !== null && Atomics.load(life, 0) !== 0;
  const link = new BlockingSerialPort({
    ownerGone,
    libc,
    fd: init.fd,
    wakeFd: init.wakeFd,
    path: init.path,
    onWake: (count) => {
      announced += count;
      if (received >= announced) return Promise.resolve();
      return new Promise<void>((resolve) => caughtUp = resolve);
    },
    onIdle: postStatusIfChanged,
  });
  cp = new ControlPanel({
    ...init.timing,
    link,
    pds: init.pds,
    afterTurn: () => {
      if (!cardReported) return Promise.resolve();
      cardReported = false;
      return link.awaitOwner(CARD_ANSWER_WAIT_MS);
    },
    onEvent: (event) => {
      if (event.type === "card") cardReported = true;
      const now = status();
      lastStatus = JSON.stringify(now);
      post({ type: "event", event, status: now });
    },
    onError: (error) => {
      if (error instanceof OwnerGoneError) {
        // Nobody else can close them now: the owner was terminated.
        libc.symbols.close(init.fd);
        libc.symbols.close(init.wakeFd);
        libc.close();
        scope?.close();
        return;
      }
      post({
        type: "error",
        message: errorText(error),
        errno: typeof (error as { errno?: unknown }).errno === "number"
          ? (error as { errno: number }).errno
          : null,
      });
    },
  });
  postStatusIfChanged();
  cp.start();
}

function onMessage(event: MessageEvent<ToBusThread>): void {
  const message = event.data;
  if (message.type === "init") return start(message);
  received++;
  if (message.type === "close") {
    if (cp === null) post({ type: "closed" });
    else void cp.close().finally(() => post({ type: "closed" }));
  } else if (cp !== null) {
    apply(message);
  }
  if (received >= announced && caughtUp !== null) {
    const resolve = caughtUp;
    caughtUp = null;
    resolve();
  }
}

if ("WorkerGlobalScope" in globalThis) {
  scope = self as unknown as BusWorkerScope;
  scope.onmessage = onMessage;
}
