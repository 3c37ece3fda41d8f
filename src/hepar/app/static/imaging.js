// hepar imaging page: send the study (zip or folder files) with its options to the API, then
// follow the jobs' progress by polling GET .../imaging/jobs (the state lives in the database, so
// a reload shows the same progress). Plain JavaScript, nothing fetched from elsewhere.
"use strict";
(() => {
  const csrf = () => document.querySelector('meta[name="csrf-token"]').content;
  const table = document.getElementById("job-table");
  const cell = (tag, text) => { const n = document.createElement(tag); n.textContent = text; return n; };

  function row(job) {
    const tr = document.createElement("tr");
    tr.dataset.job = job.job_id;
    tr.className = `job-${job.state}`;
    tr.appendChild(cell("td", job.created_at.slice(0, 16).replace("T", " ")));
    tr.appendChild(cell("td", job.created_by));
    const state = cell("td", job.state); state.className = "state"; tr.appendChild(state);
    const progress = job.state === "failed" ? job.error
      : job.state === "done" ? `${job.n_stages} / ${job.n_stages}`
      : `${job.stage} / ${job.n_stages} ${job.stage_name}`;
    const p = cell("td", progress); p.className = "progress"; tr.appendChild(p);
    const link = document.createElement("td");
    if (job.state === "done") {
      const a = cell("a", "dose viewer"); a.href = `/imaging/jobs/${job.job_id}`; link.appendChild(a);
    }
    tr.appendChild(link);
    return tr;
  }

  async function poll() {
    const answer = await fetch(table.dataset.jobs, { credentials: "same-origin" });
    if (!answer.ok) return;
    const jobs = await answer.json();
    const head = table.rows[0];
    table.replaceChildren(head, ...jobs.map(row));
    if (jobs.some((j) => j.state === "queued" || j.state === "running")) setTimeout(poll, 1500);
  }

  const form = document.getElementById("upload-form");
  if (form) {
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const error = form.querySelector("[data-error]");
      error.textContent = "";
      const body = new FormData();
      const files = form.zip.files.length ? form.zip.files : form.folder.files;
      for (const file of files) body.append("files", file, file.webkitRelativePath || file.name);
      for (const name of ["kind", "activity_mbq", "hours_after_administration"]) {
        body.append(name, form[name].value);
      }
      const button = form.querySelector("button");
      button.disabled = true;
      try {
        const answer = await fetch(form.dataset.upload, { method: "POST", body,
          credentials: "same-origin", headers: { "X-CSRF-Token": csrf() } });
        const data = await answer.json();
        if (!answer.ok) { error.textContent = data.detail; return; }
        form.reset();
        poll();
      } finally { button.disabled = false; }
    });
  }
  if (table.querySelector(".job-queued, .job-running")) setTimeout(poll, 1500);
})();
