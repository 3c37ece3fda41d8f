// hepar pages: forms sent to the REST API as JSON, and live answers while the user types.
// Plain JavaScript, no framework and nothing fetched from elsewhere. Every unsafe request quotes
// the session's CSRF token from <meta name="csrf-token">.
"use strict";
const hepar = {
  csrf: () => document.querySelector('meta[name="csrf-token"]').content,
  async api(method, path, body) {
    const response = await fetch(path, {
      method, credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRF-Token": hepar.csrf()},
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const data = response.status === 204 ? null : await response.json();
    return {ok: response.ok, status: response.status, data};
  },
  text(tag, value, cls) {
    const node = document.createElement(tag);
    node.textContent = value === null || value === undefined ? "" : String(value);
    if (cls) node.className = cls;
    return node;
  },
  table(head, rows) {
    const table = document.createElement("table");
    const top = table.insertRow();
    head.forEach((h) => top.appendChild(hepar.text("th", h)));
    rows.forEach(([cls, cells]) => {
      const row = table.insertRow();
      row.className = cls;
      cells.forEach((c) => row.appendChild(hepar.text("td", c)));
    });
    return table;
  },
  // form fields -> JSON body (empty fields left out; numbers as numbers)
  fields(form) {
    const out = {};
    for (const el of form.elements) {
      if (!el.name || el.name === "csrf_token" || el.value === "") continue;
      out[el.name] = el.type === "number" ? Number(el.value) : el.value;
    }
    return out;
  },
  body(form) {
    if (form.dataset.json) return JSON.parse(form.elements[form.dataset.json].value);
    const values = hepar.fields(form);
    if (form.dataset.wrap === "lab") return {labs: [values]};
    return values;
  },
  renderers: {
    screening(node, data) {
      node.appendChild(hepar.text("p", "eligible = " + data.eligible, "live-eligible"));
      node.appendChild(hepar.table(["criterion", "verdict", "reason"], data.criteria.map(
        (c) => ["verdict-" + c.verdict.replace(/ /g, "-"), [c.id, c.verdict, c.reason]])));
    },
    recist(node, data) {
      node.appendChild(hepar.table(["date", "sum (mm)", "overall"], data.timepoints.map(
        (t) => ["", [t.date, t.sum_mm, t.overall]])));
      node.appendChild(hepar.text("p", "best overall response: " + data.best_overall_response,
                                  "live-bor"));
    },
    ctcae(node, data) {
      node.appendChild(hepar.text("span", data === null ? "not graded by CTCAE" :
        data.term + ": grade " + data.grade + " (" + data.reason + ")", "live-grade"));
    },
  },
  show(target, render, result) {
    const node = document.querySelector(target);
    node.replaceChildren();
    if (!result.ok) { node.appendChild(hepar.text("p", result.data.detail, "error")); return; }
    hepar.renderers[render](node, result.data);
  },
  debounce(fn, ms) {
    let timer = null;
    return (...args) => { clearTimeout(timer); timer = setTimeout(() => fn(...args), ms); };
  },
};

document.addEventListener("DOMContentLoaded", () => {
  const logout = document.getElementById("logout");
  if (logout) {
    logout.addEventListener("click", async () => {
      await hepar.api("POST", "/api/logout");
      window.location.href = "/login";
    });
  }
  for (const form of document.querySelectorAll("form[data-api]")) {
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const [method, path] = form.dataset.api.split(" ");
      const error = form.querySelector("[data-error]");
      let body;
      try { body = hepar.body(form); } catch (e) { error.textContent = "JSON: " + e.message; return; }
      const result = await hepar.api(method, path, body);
      if (!result.ok) { error.textContent = result.data.detail; return; }
      if (form.dataset.then === "patient") window.location.href = "/patients/" + result.data.study_id;
      else window.location.reload();
    });
  }
  for (const area of document.querySelectorAll("textarea[data-live]")) {
    area.addEventListener("input", hepar.debounce(async () => {
      let body;
      try { body = JSON.parse(area.value); } catch (e) { return; }
      hepar.show(area.dataset.target, area.dataset.render,
                 await hepar.api("POST", area.dataset.live, body));
    }, 300));
  }
  for (const form of document.querySelectorAll("form[data-live-form=ctcae]")) {
    form.addEventListener("input", hepar.debounce(async () => {
      const values = hepar.fields(form);
      if (values.value === undefined) return;
      delete values.sampled_on;
      const query = new URLSearchParams(values).toString();
      hepar.show(form.dataset.target, "ctcae", await hepar.api("GET", "/api/live/ctcae?" + query));
    }, 300));
  }
});
