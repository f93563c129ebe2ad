// Sorting and filtering for the summary table. The table is complete without this script;
// it only adds sort buttons to the column headers and shows the filter controls.
(() => {
  "use strict";
  const table = document.getElementById("models-table");
  const controls = document.getElementById("table-controls");
  if (!table || !controls) return;
  const body = table.tBodies[0];
  const rows = Array.from(body.rows);
  const headers = Array.from(table.tHead.rows[0].cells);
  const text = document.getElementById("filter-text");
  const verdict = document.getElementById("filter-verdict");
  const status = document.getElementById("filter-status");

  const key = (row, index, numeric) => {
    const cell = row.cells[index];
    const value = cell.dataset.sort ?? cell.textContent.trim().toLowerCase();
    return numeric ? Number(value) : value;
  };

  headers.forEach((th, index) => {
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = th.textContent;
    th.textContent = "";
    th.append(button);
    th.setAttribute("aria-sort", th.getAttribute("aria-sort") || "none");  // served worst first
    button.addEventListener("click", () => {
      const direction = th.getAttribute("aria-sort") === "ascending" ? -1 : 1;
      const numeric = th.dataset.type === "number";
      headers.forEach((other) => other.setAttribute("aria-sort", "none"));
      th.setAttribute("aria-sort", direction === 1 ? "ascending" : "descending");
      const sorted = rows.slice().sort((a, b) => {
        const x = key(a, index, numeric);
        const y = key(b, index, numeric);
        const order = numeric ? x - y : x.localeCompare(y, "en", { numeric: true });
        return direction * order || rows.indexOf(a) - rows.indexOf(b);
      });
      body.append(...sorted);
    });
  });

  const apply = () => {
    const needle = text.value.trim().toLowerCase();
    let shown = 0;
    rows.forEach((row) => {
      const visible = (!verdict.value || row.dataset.verdict === verdict.value)
        && (!needle || row.textContent.toLowerCase().includes(needle));
      row.hidden = !visible;
      shown += visible ? 1 : 0;
    });
    status.textContent = `${shown} of ${rows.length} models shown`;
  };
  text.addEventListener("input", apply);
  verdict.addEventListener("change", apply);
  controls.hidden = false;
  apply();

  // On paper every section is expanded (the print stylesheet does the same where supported).
  const opened = [];
  window.addEventListener("beforeprint", () => {
    document.querySelectorAll("details:not([open])").forEach((d) => {
      d.open = true;
      opened.push(d);
    });
  });
  window.addEventListener("afterprint", () => {
    opened.splice(0).forEach((d) => { d.open = false; });
  });
})();
