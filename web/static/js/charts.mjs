// Draw each chart of a skills board page from the Vega-Lite spec beside it. Progressive
// enhancement: the paragraph and the table under each chart carry the same figures.
//
// Vega compiles chart expressions into functions with eval unless told otherwise; the
// expression interpreter evaluates them instead, so the CSP needs no 'unsafe-eval'.
import { expressionInterpreter } from "../vega/vega-interpreter.mjs";

const { vegaEmbed } = globalThis;

for (const container of document.querySelectorAll("[data-chart-spec]")) {
  const source = document.getElementById(container.dataset.chartSpec);
  if (!source || !vegaEmbed) continue;
  vegaEmbed(container, JSON.parse(source.textContent), {
    renderer: "svg",
    actions: false,
    ast: true,
    expr: expressionInterpreter,
    // vega-embed's own stylesheet and vega-tooltip's would be inline styles, which the CSP
    // refuses; Vega's default tooltip (the title attribute) needs none.
    defaultStyle: false,
    tooltip: false,
  })
    .then(() => container.setAttribute("data-chart-drawn", "true"))
    .catch((error) => {
      container.hidden = true;
      console.warn(`chart ${container.dataset.chartSpec} not drawn: ${error}`);
    });
}
