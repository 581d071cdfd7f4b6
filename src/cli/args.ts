/**
 * What every command line of the CLI shares: the usage error and the strict
 * `parseArgs` call that turns node's parse errors into one.
 *
 * @module
 */
import { parseArgs, type ParseArgsOptionsConfig } from "node:util";

/** A bad command line: printed with the usage text, exit status 2. */
export class UsageError extends Error {
  /** A usage error whose message is printed before the usage text. */
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** The strict `parseArgs` configuration (positionals allowed) for `options`. */
export type StrictConfig<O extends ParseArgsOptionsConfig> = {
  args: string[];
  options: O;
  allowPositionals: true;
  strict: true;
};

/** The flag values and positionals of a strict parse with `options`. */
export type ParsedArgs<O extends ParseArgsOptionsConfig> = ReturnType<
  typeof parseArgs<StrictConfig<O>>
>;

/**
 * Parses `args` strictly against `options` (positionals allowed).
 *
 * @throws {UsageError} on an unknown flag or a missing value, in one short
 * line (`unknown option "--x"`, `--listen needs a value`).
 */
export function parseCommandLine<const O extends ParseArgsOptionsConfig>(
  args: string[],
  options: O,
): ParsedArgs<O> {
  try {
    return parseArgs<StrictConfig<O>>({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(friendlyParseError(error));
  }
}

/** Node's parse error as one short line (its own text explains positionals and `--`). */
function friendlyParseError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown } | null)?.code;
  const option = /'(-[^' ]*)/.exec(message)?.[1];
  if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" && option !== undefined) {
    return `unknown option "${option}"`;
  }
  if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE" && option !== undefined) {
    return /argument missing/.test(message)
      ? `${option} needs a value`
      : `${option} takes no value`;
  }
  return message.split("\n")[0]!;
}
