/**
 * Writes config/chart/alloy-values.generated.ts from a grafana/alloy chart
 * directory; the generator itself is config/chart/types-generator.ts.
 *
 * Usage (the chart itself is never committed):
 *   helm pull grafana/alloy --version <version> --untar --untardir /tmp/chart
 *   npm run generate:chart-types -- /tmp/chart/alloy
 */
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { chartMeta, generateChartTypes, GeneratorError } from "../config/chart/types-generator";

const OUTPUT = path.join(__dirname, "..", "config", "chart", "alloy-values.generated.ts");

const USAGE = "usage: npm run generate:chart-types -- <grafana/alloy chart directory, holding Chart.yaml and values.yaml> [--out <file>]";

function main(argv: readonly string[]): void {
  const args = [...argv];
  const outAt = args.indexOf("--out");
  const output = outAt >= 0 ? args.splice(outAt, 2)[1] : OUTPUT;
  const [input] = args;
  if (!input || !output || args.length !== 1) throw new GeneratorError(USAGE);
  // A values.yaml path (the older usage) names its chart directory.
  const dir = existsSync(input) && statSync(input).isFile() ? path.dirname(input) : input;
  const read = (name: string) => {
    const file = path.join(dir, name);
    if (!existsSync(file))
      throw new GeneratorError(
        `${file} does not exist; expected the chart directory, e.g. the alloy/ of helm pull grafana/alloy --untar\n${USAGE}`,
      );
    return readFileSync(file, "utf8");
  };
  const meta = chartMeta(read("Chart.yaml"), path.join(dir, "Chart.yaml"));
  const generated = generateChartTypes(read("values.yaml"), meta);
  writeFileSync(output, generated.source);
  console.log(
    `wrote ${path.relative(process.cwd(), output)}: grafana/alloy ${meta.version} (Alloy ${meta.appVersion}), ${generated.paths} paths`,
  );
  for (const p of generated.unusedHints)
    console.log(`note: HINTS declares ${p}, which this chart's values.yaml does not have; remove it once no supported chart has it`);
}

if (require.main === module) {
  try {
    main(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof GeneratorError)) throw error;
    console.error(error.message);
    process.exit(1);
  }
}
