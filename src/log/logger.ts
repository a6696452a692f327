// A levelled logger that writes one JSON object per line, carrying the ids of
// whatever it logs about (request, batch, item). It never receives secrets.

export type LogLevel = "debug" | "info" | "warn" | "error";
export type LogFields = Record<string, unknown>;

const LEVEL_RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
}

function parseLevel(value: string | undefined): LogLevel {
  return value !== undefined && value in LEVEL_RANK ? (value as LogLevel) : "info";
}

/** Turns an unknown thrown value into loggable fields without its stack at info level. */
export function errorFields(error: unknown): LogFields {
  if (error instanceof Error) return { error: error.message, error_name: error.name };
  return { error: String(error) };
}

export function createLogger(level?: string, base: LogFields = {}): Logger {
  const threshold = LEVEL_RANK[parseLevel(level)];

  function write(levelName: LogLevel, message: string, fields?: LogFields): void {
    if (LEVEL_RANK[levelName] < threshold) return;
    const line = JSON.stringify({ time: new Date().toISOString(), level: levelName, msg: message, ...base, ...fields });
    if (levelName === "error") console.error(line);
    else if (levelName === "warn") console.warn(line);
    else console.log(line);
  }

  return {
    debug: (message, fields) => write("debug", message, fields),
    info: (message, fields) => write("info", message, fields),
    warn: (message, fields) => write("warn", message, fields),
    error: (message, fields) => write("error", message, fields),
    child: (fields) => createLogger(level, { ...base, ...fields }),
  };
}
