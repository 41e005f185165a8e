/**
 * The configuration reference of docs/configuration.md, generated from the
 * schema so the documented keys, types and defaults cannot drift from what is
 * enforced (test/docs.test.ts compares the two).
 */
import { z } from "zod";
import { PROJECT, stackConfigSchema } from "../config/schema";

interface Row {
  key: string;
  type: string;
  required: boolean;
  defaultValue?: unknown;
  description: string;
}

function typeName(schema: z.ZodType): string {
  if (schema instanceof z.ZodString) return "string";
  if (schema instanceof z.ZodBoolean) return "boolean";
  if (schema instanceof z.ZodArray) return `list of ${typeName(schema.element as z.ZodType)}`;
  if (schema instanceof z.ZodRecord) return "map";
  if (schema instanceof z.ZodNumber) return "number";
  if (schema instanceof z.ZodUnion) return [...new Set((schema.options as z.ZodType[]).map(typeName))].join(" or ");
  if (schema instanceof z.ZodEnum) return (schema.options as string[]).map((o) => JSON.stringify(o)).join(" or ");
  if (schema instanceof z.ZodObject) return "object";
  throw new Error(`no reference type name for ${schema.constructor.name}`);
}

function rows(shape: Record<string, z.ZodType>, prefix: string, parentDefault: unknown, out: Row[]): Row[] {
  for (const [key, declared] of Object.entries(shape)) {
    let inner = declared;
    let defaultValue: unknown = (parentDefault as Record<string, unknown> | undefined)?.[key];
    let required = true;
    for (;;) {
      if (inner instanceof z.ZodDefault) {
        defaultValue = inner.def.defaultValue;
        required = false;
        inner = inner.unwrap() as z.ZodType;
      } else if (inner instanceof z.ZodPrefault) {
        // A prefault is parsed like input, so the inner defaults fill it in.
        defaultValue = inner.parse(undefined);
        required = false;
        inner = inner.unwrap() as z.ZodType;
      } else if (inner instanceof z.ZodOptional) {
        required = false;
        inner = inner.unwrap() as z.ZodType;
      } else break;
    }
    const name = prefix ? `${prefix}.${key}` : key;
    const description = declared.meta()?.description ?? inner.meta()?.description ?? "";
    if (inner instanceof z.ZodObject) {
      if (description) out.push({ key: name, type: "object", required: required && defaultValue === undefined, defaultValue, description });
      rows(inner.shape, name, defaultValue, out);
    } else {
      out.push({ key: name, type: typeName(inner), required: required && defaultValue === undefined, defaultValue, description });
    }
  }
  return out;
}

/** A markdown table of every stack key: key, type, default, meaning. */
export function configReference(): string {
  const lines = ["| key | type | default | what it does |", "|---|---|---|---|"];
  for (const row of rows(stackConfigSchema.shape, "", undefined, [])) {
    const shown = row.required ? "**required**" : row.defaultValue === undefined ? "unset" : `\`${JSON.stringify(row.defaultValue)}\``;
    lines.push(`| \`${PROJECT}:${row.key}\` | ${row.type} | ${shown} | ${row.description.replace(/\|/g, "\\|")} |`);
  }
  return lines.join("\n");
}
