/**
 * Reading the collectors' own logs: which lines mean that logs were lost.
 *
 * Alloy writes its log as logfmt by default (the generated config has no `logging`
 * block): `ts=… level=error msg="…" component_path=/ component_id=loki.write.loki …`
 * (internal/runtime/logging/handler.go: keys ts, level, msg; levels debug, info,
 * warn, error). A `logging { format = "json" }` would write the same keys as JSON,
 * which is read too.
 *
 * The messages below are copied from Alloy v1.11.3's source, not paraphrased: a line
 * fails verify when its msg starts with one of them. Every other error-level line is
 * a warning. Links are to the tag:
 * https://github.com/grafana/alloy/blob/v1.11.3/internal/component/…
 */

export interface LostLogMessage {
  /** The start of Alloy's msg. */
  msg: string;
  /** The level Alloy logs it at. */
  level: "error" | "warn";
  /** What was lost, for the report. */
  meaning: string;
  /** Where Alloy logs it (under internal/component/). */
  source: string;
}

export const LOST_LOG_MESSAGES: readonly LostLogMessage[] = [
  {
    // client.go: "final error sending batch, no retries left, dropping data"; queue_client.go (WAL): "final error sending batch".
    msg: "final error sending batch",
    level: "error",
    meaning: "a push Loki rejected (a 4xx other than 429) or that failed every retry; the batch was dropped",
    source: "common/loki/client/client.go, queue_client.go",
  },
  {
    msg: "dropping batch due to rate limiting applied at ingester",
    level: "warn",
    meaning: "a batch Loki rate-limited (429), dropped at once",
    source: "common/loki/client/client.go, queue_client.go",
  },
  {
    msg: "batch add err",
    level: "error",
    meaning: "an entry that could not join a batch (e.g. the stream limit), dropped",
    source: "common/loki/client/client.go, queue_client.go",
  },
  {
    msg: "error encoding batch",
    level: "error",
    meaning: "a batch that could not be encoded, never sent",
    source: "common/loki/client/client.go, queue_client.go",
  },
  {
    msg: "failed to tail file, stat failed",
    level: "error",
    meaning: "a log file that could not be read (stat)",
    source: "loki/source/file/file.go",
  },
  {
    msg: "failed to create tailer",
    level: "error",
    meaning: "a log file that could not be opened for reading",
    source: "loki/source/file/file.go",
  },
  {
    msg: "failed to create decompressor",
    level: "error",
    meaning: "a compressed log file that could not be opened",
    source: "loki/source/file/file.go",
  },
  {
    msg: "failed to run tailer",
    level: "error",
    meaning: "a log file whose reader did not start",
    source: "loki/source/file/tailer.go",
  },
  {
    msg: "tail routine: error reading line",
    level: "error",
    meaning: "a log file a line could not be read from",
    source: "loki/source/file/tailer.go",
  },
  {
    msg: "position timer: error getting tail position and/or size, stopping tailer",
    level: "error",
    meaning: "a log file whose reading stopped",
    source: "loki/source/file/tailer.go",
  },
  {
    msg: "error reading file",
    level: "error",
    meaning: "a compressed log file that could not be read",
    source: "loki/source/file/decompresser.go",
  },
];

/**
 * A file discovered but deleted before it was opened: kubelet removes a deleted pod's logs with the pod, so this
 * is the normal end of a short-lived pod, not a file that could not be read.
 */
const GONE = /no such file or directory/;

export interface ParsedLine {
  level?: string;
  msg?: string;
  fields: Record<string, string>;
}

/** logfmt as Go's slog TextHandler writes it (quoted values use strconv.Quote escapes), or one JSON object. */
export function parseLogLine(line: string): ParsedLine {
  const fields: Record<string, string> = {};
  if (line.startsWith("{")) {
    try {
      for (const [key, value] of Object.entries(JSON.parse(line) as Record<string, unknown>))
        fields[key] = typeof value === "string" ? value : JSON.stringify(value);
    } catch {
      // not JSON after all: read as logfmt
    }
  }
  if (Object.keys(fields).length === 0) {
    for (const [, key, quoted, bare] of line.matchAll(/(?:^|\s)([^\s="]+)=(?:"((?:[^"\\]|\\.)*)"|(\S*))/g)) {
      if (quoted === undefined) fields[key] = bare ?? "";
      else {
        try {
          fields[key] = JSON.parse(`"${quoted}"`) as string;
        } catch {
          fields[key] = quoted;
        }
      }
    }
  }
  return { level: fields.level, msg: fields.msg, fields };
}

export type LineKind = { kind: "lost"; message: LostLogMessage } | { kind: "error" } | { kind: "other" };

/** Whether a collector log line means lost logs, is another error, or is neither. */
export function classifyLine(line: string): LineKind {
  const { level, msg, fields } = parseLogLine(line);
  if (msg !== undefined) {
    const message = LOST_LOG_MESSAGES.find((m) => msg.startsWith(m.msg) && (level === m.level || level === "error"));
    if (message && !(message.msg === "failed to tail file, stat failed" && GONE.test(fields.error ?? ""))) return { kind: "lost", message };
  }
  return level === "error" ? { kind: "error" } : { kind: "other" };
}
