/**
 * Worker side of scripts/bench_reader.ts: a Wiegand reader (the real
 * `openWiegandReader` glue, assembler and decoder) on a {@linkcode PipeChip},
 * i.e. the real chardev event pump, one pipe per line as one line fd per
 * line. Posts the write fds, then for every decoded frame the time from its
 * last edge's timestamp (CLOCK_MONOTONIC, as the kernel stamps edges) to
 * the decoded card, measured with the same clock in this worker.
 *
 * Messages in: `{type: "stop"}`. Out: `{type: "ready", d0, d1}`,
 * `{type: "card", latencyNs, card, fault}`, `{type: "stopped"}`.
 *
 * @module
 */
/// <reference lib="deno.worker" />
import { H10301 } from "../src/hardware/wiegand/formats.ts";
import { interpretFrame } from "../src/hardware/wiegand/interpret.ts";
import { openWiegandReader } from "../src/hardware/wiegand/reader.ts";
import { PipeChip } from "./_bench_pipe_chip.ts";

const D0 = 0, D1 = 1;
const chip = new PipeChip();
const reader = openWiegandReader(chip, {
  d0: D0,
  d1: D1,
  fixedLength: 26,
  silenceMs: 25,
  onFrame(frame) {
    const read = interpretFrame(frame, { formats: [H10301], keypad: "none" });
    const latencyNs = chip.nowNs() - frame.endNs;
    self.postMessage({
      type: "card",
      latencyNs: Number(latencyNs),
      card: read.kind === "card" ? read.cardIdHex : read.kind,
      fault: frame.fault,
    });
  },
});
self.onmessage = async (event: MessageEvent<{ type: string }>) => {
  if (event.data.type !== "stop") return;
  await reader.close();
  await chip.close();
  self.postMessage({ type: "stopped" });
};
self.postMessage({ type: "ready", d0: chip.writeFd(D0), d1: chip.writeFd(D1) });
