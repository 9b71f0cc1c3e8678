// Compile GOV.UK Frontend with SkillsMatch's settings and copy what the pages load into
// web/static/govuk (generated, git-ignored). Run by `make install` after `npm ci`.
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as sass from "sass";

const web = dirname(dirname(fileURLToPath(import.meta.url)));
const root = dirname(web);
const dist = join(root, "node_modules", "govuk-frontend", "dist", "govuk");
const out = join(web, "static", "govuk");

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

const css = sass.compile(join(web, "frontend", "skillsmatch.scss"), {
  style: "compressed",
  importers: [new sass.NodePackageImporter(root)],
  quietDeps: true,
});
writeFileSync(join(out, "skillsmatch.min.css"), css.css);

// The JavaScript is an ES module; web/static/js/app.mjs imports it and starts the components.
cpSync(join(dist, "govuk-frontend.min.js"), join(out, "govuk-frontend.min.js"));
cpSync(join(dist, "govuk-frontend.min.js.map"), join(out, "govuk-frontend.min.js.map"));
// The compiled CSS refers to images under $govuk-assets-path (/static/govuk/assets/).
cpSync(join(dist, "assets", "images"), join(out, "assets", "images"), { recursive: true });

const version = JSON.parse(
  readFileSync(join(root, "node_modules", "govuk-frontend", "package.json"), "utf8"),
).version;
writeFileSync(join(out, "VERSION"), `govuk-frontend ${version}\n`);
console.log(`web/static/govuk: govuk-frontend ${version}, ${css.css.length} bytes of CSS`);

// Vega, Vega-Lite and vega-embed draw the skills board's charts; copied into web/static/vega
// (generated, git-ignored), served from this origin like everything else.
const modules = join(root, "node_modules");
const vegaOut = join(web, "static", "vega");
rmSync(vegaOut, { recursive: true, force: true });
mkdirSync(vegaOut, { recursive: true });
const vegaFiles = [
  ["vega", "vega.min.js"],
  ["vega-lite", "vega-lite.min.js"],
  ["vega-lite", "vega-lite.min.js.map"],
  ["vega-embed", "vega-embed.min.js"],
  ["vega-embed", "vega-embed.min.js.map"],
];
for (const [pkg, file] of vegaFiles) {
  cpSync(join(modules, pkg, "build", file), join(vegaOut, file));
}
// vega-interpreter evaluates chart expressions without eval, so the CSP needs no
// 'unsafe-eval'. It ships only as an ES module importing from vega-util, whose functions the
// vega.min.js bundle already exposes as the global `vega`: read them from there.
const interpreter = readFileSync(
  join(modules, "vega-interpreter", "build", "vega-interpreter.js"),
  "utf8",
);
const vegaUtilImport = /^import \{([^}]*)\} from 'vega-util';$/m;
if (!vegaUtilImport.test(interpreter)) {
  throw new Error("vega-interpreter no longer imports only from vega-util: update build.mjs");
}
writeFileSync(
  join(vegaOut, "vega-interpreter.mjs"),
  interpreter
    .replace(vegaUtilImport, "const {$1} = globalThis.vega;")
    .replace(/^\/\/# sourceMappingURL=.*$/m, ""),
);
const vegaVersions = ["vega", "vega-lite", "vega-embed", "vega-interpreter"].map(
  (pkg) => `${pkg} ${JSON.parse(readFileSync(join(modules, pkg, "package.json"), "utf8")).version}`,
);
writeFileSync(join(vegaOut, "VERSION"), vegaVersions.join("\n") + "\n");
console.log(`web/static/vega: ${vegaVersions.join(", ")}`);
