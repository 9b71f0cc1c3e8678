// Progressive enhancement only: every page works without JavaScript.
import { initAll } from "../govuk/govuk-frontend.min.js";
import { initSkillSearch } from "./skill-search.mjs";

initAll();
document.querySelectorAll('[data-module="app-skill-search"]').forEach(initSkillSearch);
