import { randomBytes } from "node:crypto";

/** A new run id: the date and 6 random hex digits, e.g. run-20250114-3fa9c2. */
export const newRunId = (now = new Date()): string =>
  `run-${now.toISOString().slice(0, 10).replaceAll("-", "")}-${randomBytes(3).toString("hex")}`;
