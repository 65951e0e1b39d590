// One JSON line per event on stderr; stdout carries only the machine-readable ready line.
export type LogFields = Record<string, unknown>;

export interface Logger {
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
}

export function createLogger(component: string, nodeId: string): Logger {
  const write = (level: string, msg: string, fields?: LogFields) =>
    process.stderr.write(`${JSON.stringify({ ts: new Date().toISOString(), level, component, nodeId, msg, ...fields })}\n`);
  return {
    info: (m, f) => write("info", m, f),
    warn: (m, f) => write("warn", m, f),
    error: (m, f) => write("error", m, f),
  };
}
