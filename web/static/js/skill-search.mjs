// Search as you type in the skill search. The server answers with the same results HTML it puts
// in the page for the plain form (which still works without JavaScript); this saves the reload.
const DELAY_MS = 250;
const MIN_CHARACTERS = 2;

export function initSkillSearch(form) {
  const input = form.querySelector('input[name="q"]');
  const results = document.getElementById("skill-search-results");
  const status = document.getElementById("skill-search-status");
  const url = form.dataset.fragmentUrl;
  if (!input || !results || !status || !url) return;
  let timer;
  let controller;

  async function update() {
    const query = input.value.trim();
    if (query.length < MIN_CHARACTERS) return;
    controller?.abort();
    controller = new AbortController();
    try {
      const response = await fetch(`${url}?${new URLSearchParams({ q: query })}`, {
        headers: { "HX-Request": "true" },
        credentials: "same-origin",
        signal: controller.signal,
      });
      if (response.redirected) {
        // Signed out meanwhile: let the plain form take the person where they need to go.
        form.submit();
        return;
      }
      if (!response.ok && response.status !== 400) return;
      results.innerHTML = await response.text();
      const count = results.querySelector("[data-count]");
      status.textContent = count ? count.textContent.replace(/\s+/g, " ").trim() : "";
    } catch (error) {
      if (error.name !== "AbortError") throw error;
    }
  }

  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(update, DELAY_MS);
  });
}
