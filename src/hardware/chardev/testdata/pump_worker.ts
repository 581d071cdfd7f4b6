/**
 * Test worker for reclaim_test.ts: registers the read end of a pipe as an
 * input line, starts an event pump on it (poll on Deno's blocking pool, with
 * the pollfd array in the registry's shared memory), and reports the fds. The
 * test then terminates this worker while the pump is blocked.
 */
import { EventPump } from "../event_pump.ts";
import { loadLibc } from "../libc.ts";
import { LineRegistry, SLOT_KIND } from "../line_registry.ts";
import { GpioError } from "../../types.ts";

interface Scope {
  onmessage: ((event: MessageEvent<SharedArrayBuffer>) => void) | null;
  postMessage(message: unknown): void;
}

const scope = self as unknown as Scope;
scope.onmessage = (event) => {
  const libc = loadLibc();
  const extra = Deno.dlopen("libc.so.6", {
    pipe2: { parameters: ["buffer", "i32"], result: "i32" },
  });
  const fds = new Int32Array(2);
  if (extra.symbols.pipe2(fds, 0o2000000) !== 0) throw new Error("pipe2 failed");
  const [readFd, writeFd] = [fds[0]!, fds[1]!];
  const slot = new LineRegistry(event.data).register({
    kind: SLOT_KIND.INPUT,
    fd: readFd,
    chip: "/dev/gpiochip-test",
    offset: 0,
  });
  new EventPump({
    libc,
    fd: readFd,
    listeners: new Set(),
    errorOf: (errno, what) => new GpioError(errno, what, { chip: "test" }),
    onError: () => {},
    pollFds: slot.pollFds(),
    onWakeFd: (fd) => slot.setWakeFd(fd),
    ownsFds: () => slot.owned(),
  });
  scope.postMessage({ readFd, writeFd });
};
