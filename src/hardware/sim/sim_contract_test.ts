import { runGpioContract } from "../contract.ts";
import { SimChip } from "./sim_chip.ts";

runGpioContract(() => {
  const chip = new SimChip({ lines: ["D0", "D1", "RELAY", "SPARE"], name: "gpiochip-sim" });
  return {
    chip,
    lines: { d0: 0, d1: 1, output: 2, spare: 3 },
    drive: (offset, level) => chip.drive(offset, level),
    observe: (offset) => chip.level(offset),
  };
}, { name: "SimChip" });
