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
