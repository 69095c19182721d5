// Prints what a browser downloads for the console, as `make build` left it in target/site/pkg:
// the main wasm and its JavaScript (every console page needs them), then for each page the
// chunks it loads on a first visit (from the split manifest), all gzipped at level 9.
// Usage: node .ci/wasm-size.mjs [pkg dir]   (exit 1 if the main wasm is missing)
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

const dir = process.argv[2] ?? "target/site/pkg";
const main = join(dir, "datong.wasm");
if (!existsSync(main)) {
  console.error(`console wasm: ${main} is missing`);
  process.exit(1);
}

const sizes = new Map();
function size(file) {
  if (!sizes.has(file)) {
    const bytes = readFileSync(join(dir, file));
    sizes.set(file, { raw: bytes.length, gz: gzipSync(bytes, { level: 9 }).length });
  }
  return sizes.get(file);
}
const kb = (n) => `${(n / 1000).toFixed(0)} KB`;

const files = readdirSync(dir);
const splitJs = files.filter((f) => f.startsWith("__wasm_split.") && f.endsWith(".js"));
const always = ["datong.wasm", "datong.js", ...splitJs];
const base = always.reduce((n, f) => n + size(f).gz, 0);
const allWasm = files.filter((f) => f.endsWith(".wasm"));
const total = allWasm.reduce((n, f) => n + size(f).gz, 0);
console.log(
  `console wasm: main ${size("datong.wasm").raw} bytes, ${size("datong.wasm").gz} gzipped; ` +
    `with its JavaScript ${kb(base)} gzipped; ${allWasm.length} wasm files, ${kb(total)} gzipped in all`,
);

const manifestFile = files.find((f) => f.startsWith("__wasm_split_manifest") && f.endsWith(".json"));
if (!manifestFile) {
  console.log("console wasm: not split (no manifest): every page loads the main wasm only");
  process.exit(0);
}
// Each lazy page is one split point.
const manifest = JSON.parse(readFileSync(join(dir, manifestFile), "utf8"));
const pages = Object.entries(manifest)
  .filter(([name]) => name.includes("_route_view_"))
  .map(([name, chunks]) => {
    // The list names the page's own module (`split_…`) and the shared chunks it needs.
    const parts = [...new Set(chunks.map((c) => `${c}.wasm`))].filter((f) => files.includes(f));
    const gz = parts.reduce((n, f) => n + size(f).gz, 0);
    const page = name.replace(/^__/, "").replace(/_route_view_\d+$/, "");
    return { page, files: parts.length, gz, first: base + gz };
  })
  .sort((a, b) => a.first - b.first);
for (const p of pages) {
  console.log(
    `  first visit of ${p.page.padEnd(16)} ${kb(p.first).padStart(7)} gzipped (main + ${p.files} files, ${kb(p.gz)})`,
  );
}
