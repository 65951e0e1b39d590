// report.json: the judged run as JSON, and its JSON Schema (report.schema.json, generated from the
// zod schema in model.ts; a unit test keeps the committed file in sync).
import { z } from "zod";
import { report, type Report } from "./model.ts";

export const reportJson = (r: Report): string => `${JSON.stringify(report.parse(r), null, 2)}\n`;

export function reportJsonSchema(): string {
  const schema = z.toJSONSchema(report, { target: "draft-2020-12" });
  return `${JSON.stringify({ ...schema, $id: "https://meshkit-chaos.invalid/report.schema.json", title: "meshkit-chaos scenario run report" }, null, 2)}\n`;
}
