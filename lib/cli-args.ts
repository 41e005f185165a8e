/**
 * A script's command line, read with node:util parseArgs, whose errors are
 * TypeErrors worded for programmers: rewritten here into one line for people.
 */
import { parseArgs } from "node:util";
import { nearest } from "./nearest";

type StringOptions = Record<string, { type: "string"; multiple?: false }>;

/** Why a command line was refused: one line for people, shown above the usage line. */
export class UsageError extends Error {
  override name = "UsageError";
}

/**
 * The values of a command line of `--name <value>` flags.
 * @throws UsageError for an unknown flag (naming the nearest known one), a flag without its value, or a stray argument.
 */
export function parseFlags<O extends StringOptions>(args: readonly string[], options: O): Partial<Record<keyof O, string>> {
  try {
    return parseArgs({ args: [...args], options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    const { code, message } = error as { code?: string; message: string };
    const flag = /'(-[^' ]*)/.exec(message)?.[1];
    const known = Object.keys(options).map((name) => `--${name}`);
    if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" && flag) {
      const suggestion = nearest(flag, known);
      throw new UsageError(
        `unknown option ${flag}; ${suggestion ? `did you mean ${suggestion}?` : known.length ? `expected ${known.join(" or ")}` : "expected no options"}`,
      );
    }
    if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE" && flag) throw new UsageError(`${flag} needs a value`);
    if (code === "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL") {
      const argument = /'([^']*)'/.exec(message)?.[1] ?? "";
      throw new UsageError(
        `unexpected argument ${JSON.stringify(argument)}; ${known.length ? `expected ${known.join(" or ")}` : "expected no arguments"}`,
      );
    }
    throw new UsageError(message);
  }
}
