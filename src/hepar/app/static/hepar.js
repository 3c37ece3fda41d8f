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
  // form fields -> JSON body (empty fields left out; numbers as numbers; checkboxes as booleans)
  fields(form) {
    const out = {};
    for (const el of form.elements) {
      if (!el.name || el.name === "csrf_token") continue;
      if (el.type === "checkbox") { out[el.name] = el.checked; continue; }
      if (el.value === "") continue;
      out[el.name] = hepar.value(el);
    }
    return out;
  },
  value(el) {
    if (el.dataset.int !== undefined) return parseInt(el.value, 10);
    if (el.dataset.list !== undefined) {
      return el.value.split(",").map((part) => part.trim()).filter((part) => part);
    }
    if (el.type === "number") return Number(el.value);
    if (el.tagName === "SELECT" && (el.value === "true" || el.value === "false")) {
      return el.value === "true";
    }
    return el.value;
  },
  // the [data-field] inputs of one row / block -> object (empty left out)
  row(node) {
    const out = {};
    for (const el of node.querySelectorAll("[data-field]")) {
      if (el.type === "checkbox") { out[el.dataset.field] = el.checked; continue; }
      if (el.value === "") continue;
      out[el.dataset.field] = hepar.value(el);
    }
    return out;
  },
  stamp: () => new Date().toISOString(),
  builders: {
    // the screening form -> a hepar.clinical.Candidate record
    candidate(form) {
      const c = hepar.fields(form);
      c.id = form.closest("[data-study-id]").dataset.studyId;
      c.labs = [];
      for (const tr of form.querySelectorAll("tr[data-lab]")) {
        const lab = hepar.row(tr);
        if (lab.value !== undefined) c.labs.push({analyte: tr.dataset.lab, ...lab});
      }
      c.lesions = [...form.querySelectorAll("tr[data-lesion]")].map(hepar.row)
        .filter((l) => l.id && l.diameter_mm !== undefined);
      c.lutetium_cycles = [...form.querySelectorAll("tr[data-cycle]")].map(hepar.row)
        .filter((x) => x.administered_on);
      c.events = {};
      for (const div of form.querySelectorAll("[data-event]")) {
        const e = hepar.row(div);
        if (e.never) c.events[div.dataset.event] = null;
        else if (e.on) c.events[div.dataset.event] = e.on;
      }
      c.facts = {};
      for (const label of form.querySelectorAll("[data-fact]")) {
        const select = label.querySelector("select");
        if (select.value !== "") c.facts[label.dataset.fact] = select.value === "true";
      }
      c.attestations = [];
      for (const div of form.querySelectorAll("[data-attest]")) {
        const a = hepar.row(div);
        if (a.met === undefined) continue;
        c.attestations.push({criterion: div.dataset.attest, met: a.met, note: a.note || "",
                             attested_by: "me", attested_at: hepar.stamp()});
      }
      return c;
    },
    // one time point of the RECIST form -> hepar.clinical.RecistReads (the saved lesions, the
    // lesions chosen at baseline, and this time point)
    recist(form) {
      const values = hepar.fields(form);
      const lesions = [];
      const point = {date: values.date, measurements_mm: {}, non_target: {},
                     new_lesions: values.new_lesions === undefined ? false : values.new_lesions};
      if (values.new_lesions_in_treated_volume !== undefined) {
        point.new_lesions_in_treated_volume = values.new_lesions_in_treated_volume;
      }
      for (const tr of form.querySelectorAll("tr[data-lesion]")) {
        const l = hepar.row(tr);
        if (!l.id) continue;
        lesions.push({id: l.id, role: l.role, organ: l.organ, nodal: l.nodal,
                      in_treated_volume: l.in_treated_volume === undefined ? null :
                        l.in_treated_volume});
        if (l.role === "target") {
          if (l.diameter_mm !== undefined) point.measurements_mm[l.id] = l.diameter_mm;
          else if (l.state === "too small" || l.state === "gone") {
            point.measurements_mm[l.id] = l.state;
          }
        } else if (l.state !== undefined) point.non_target[l.id] = l.state;
      }
      return {lesions, timepoints: [point]};
    },
    // the adverse-event form -> hepar.clinical.AdverseEvent
    ae(form) {
      const e = hepar.fields(form);
      const page = form.closest("[data-study-id]");
      e.id = page.dataset.studyId + "-AE" + (Number(page.dataset.aeCount) + 1);
      e.patient_id = page.dataset.studyId;
      e.seriousness_criteria = [...form.querySelectorAll("[data-criterion]")]
        .filter((box) => box.checked).map((box) => box.dataset.criterion);
      if (e.awareness_at) e.awareness_at = new Date(e.awareness_at).toISOString();
      return e;
    },
  },
  // what the live endpoint is asked: the form's record, with the saved reads for RECIST
  liveBody(form) {
    const body = hepar.builders[form.dataset.build](form);
    if (form.dataset.build !== "recist") return body;
    const saved = JSON.parse(form.dataset.saved || "{}");
    if (!saved.timepoints) return body;
    const known = new Set(saved.lesions.map((l) => l.id));
    const dates = new Set(saved.timepoints.map((t) => t.date));
    return {lesions: [...saved.lesions, ...body.lesions.filter((l) => !known.has(l.id))],
            timepoints: [...saved.timepoints, ...body.timepoints.filter((t) => !dates.has(t.date))]
              .sort((a, b) => (a.date < b.date ? -1 : 1))};
  },
  body(form) {
    if (form.dataset.build) return hepar.builders[form.dataset.build](form);
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
      node.appendChild(hepar.table(["date", "sum (mm)", "target", "non-target", "overall"],
        data.timepoints.map((t) => ["", [t.date, t.sum_mm, t.target, t.non_target, t.overall]])));
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
  // live answers: the target is marked data-pending from a change until the answer to the last
  // change is shown; an answer overtaken by a newer change is dropped, and the same record is
  // not asked twice (the page does not move under the user's next click)
  for (const form of document.querySelectorAll("form[data-live][data-build]")) {
    const target = document.querySelector(form.dataset.target);
    let asked = 0;
    let last = null;
    const run = hepar.debounce(async () => {
      let body;
      try { body = hepar.liveBody(form); } catch (e) { delete target.dataset.pending; return; }
      const text = JSON.stringify(body);
      if (text === last) { delete target.dataset.pending; return; }  // e.g. a blur: no change
      last = text;
      const mine = ++asked;
      const result = await hepar.api("POST", form.dataset.live, body);
      if (mine !== asked) return;
      hepar.show(form.dataset.target, form.dataset.render, result);
      delete target.dataset.pending;
    }, 300);
    const live = () => { target.dataset.pending = "1"; run(); };
    form.addEventListener("input", live);
    form.addEventListener("change", live);
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
