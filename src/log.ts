/**
 * Logging setup (LogTape). The only module allowed to write to the console.
 * Logs go to stderr; stdout is reserved for the "Listening on" line and the
 * first-run password.
 *
 * @module
 */
import {
  configure,
  getLogger,
  type Logger,
  type LogLevel,
  type LogRecord,
  reset,
  type Sink,
} from "@logtape/logtape";

/** Accepted `--log-level` values. */
export const LOG_LEVELS = ["trace", "debug", "info", "warning", "error", "fatal"] as const;
/** Accepted `--log-format` values. */
export const LOG_FORMATS = ["pretty", "json"] as const;

/** Options for {@linkcode setupLogging}. */
export interface LoggingOptions {
  level: typeof LOG_LEVELS[number];
  format: typeof LOG_FORMATS[number];
  /** Where lines go. @default stderr */
  write?: (line: string) => void;
}

function render(record: LogRecord): string {
  return record.message.map((part) => typeof part === "string" ? part : JSON.stringify(part))
    .join("");
}

function stderrWrite(line: string): void {
  Deno.stderr.writeSync(new TextEncoder().encode(line + "\n"));
}

/** Configures LogTape once for the process (or a worker). */
export async function setupLogging(options: LoggingOptions): Promise<void> {
  const write = options.write ?? stderrWrite;
  const sink: Sink = (record) => {
    const time = new Date(record.timestamp).toISOString();
    if (options.format === "json") {
      write(JSON.stringify({
        time,
        level: record.level,
        category: record.category.join("."),
        message: render(record),
        ...record.properties,
      }));
    } else {
      write(
        `${time} ${record.level.toUpperCase().padEnd(7)} [${record.category.slice(1).join(".")}] ${
          render(record)
        }`,
      );
    }
  };
  await configure({
    reset: true,
    sinks: { main: sink },
    loggers: [
      { category: ["leosac"], sinks: ["main"], lowestLevel: options.level as LogLevel },
      { category: ["logtape", "meta"], sinks: ["main"], lowestLevel: "warning" },
    ],
  });
}

/** Removes the logging configuration (tests). */
export async function resetLogging(): Promise<void> {
  await reset();
}

/** A logger for a subsystem, e.g. `logger("ws")`. */
export function logger(...category: string[]): Logger {
  return getLogger(["leosac", ...category]);
}

/** Writes a line to stdout (used only for the documented stdout lines). */
export function printLine(line: string): void {
  Deno.stdout.writeSync(new TextEncoder().encode(line + "\n"));
}
