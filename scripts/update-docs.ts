/**
 * npm run docs:update
 *
 * Rewrites the generated sections of docs/*.md from the code they document
 * (the list is in docs/generated.ts).
 */
import { readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { GENERATED_SECTIONS, withSection } from "../docs/generated";

function main(): void {
  for (const { name, file, generate } of GENERATED_SECTIONS) {
    try {
      writeFileSync(file, withSection(readFileSync(file, "utf8"), name, generate()));
    } catch (error) {
      console.error(`${path.relative(process.cwd(), file)}: ${(error as Error).message}`);
      process.exit(1);
    }
  }
  console.log(`Updated: ${GENERATED_SECTIONS.map((s) => `${path.relative(process.cwd(), s.file)} (${s.name})`).join(", ")}`);
}

main();
