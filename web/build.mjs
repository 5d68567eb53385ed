// Bundles the browser renderer into dist/web: app.js, index.html and style.css.
import { copyFile, mkdir } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const webDir = fileURLToPath(new URL(".", import.meta.url));
const outDir = fileURLToPath(new URL("../dist/web/", import.meta.url));

await mkdir(outDir, { recursive: true });
await build({
  entryPoints: [`${webDir}src/main.ts`],
  outfile: `${outDir}app.js`,
  bundle: true,
  format: "esm",
  target: "es2022",
  minify: true,
  sourcemap: false,
  logLevel: "warning",
});
await copyFile(`${webDir}index.html`, `${outDir}index.html`);
await copyFile(`${webDir}style.css`, `${outDir}style.css`);
