// The dose viewer of hepar.app: CT with the absorbed-dose (or SPECT) overlay in three planes,
// window/level, colour bar, VOI outlines and isodose lines (label volumes drawn as outlines),
// by NiiVue; the DVH beside it as an SVG plot. Bundled with NiiVue by esbuild (make viewer) into
// src/hepar/app/static/viewer/dose_viewer.js. The volumes are NIfTI files served by the API to
// the signed-in user (same-origin fetch with the session cookie).
import { MULTIPLANAR_TYPE, Niivue, SHOW_RENDER } from "@niivue/niivue";

const NIFTI_INTENT_LABEL = 1002;
const VOI_COLOURS = [[0, 200, 255], [0, 255, 0], [255, 0, 255], [255, 255, 0], [0, 128, 255],
  [255, 128, 0], [128, 255, 128], [255, 0, 128], [128, 128, 255], [0, 255, 200]];
const ISODOSE_COLOURS = [[0, 0, 255], [255, 255, 255], [255, 0, 0], [255, 0, 255]];

function labelMap(names, colours) {
  // interior transparent (alpha 0): with the atlas outline, only the borders are drawn
  const lut = { R: [0], G: [0], B: [0], A: [0], I: [0], labels: [""] };
  names.forEach((name, i) => {
    const [r, g, b] = colours[i % colours.length];
    lut.R.push(r); lut.G.push(g); lut.B.push(b); lut.A.push(0); lut.I.push(i + 1);
    lut.labels.push(name);
  });
  return lut;
}

function svg(tag, attrs, text) {
  const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
  Object.entries(attrs).forEach(([k, v]) => node.setAttribute(k, String(v)));
  if (text !== undefined) node.textContent = text;
  return node;
}

function drawDvh(target, curves, voiNames) {
  const width = 420, height = 300, left = 48, bottom = 36, top = 10, right = 10;
  const names = Object.keys(curves);
  const maxDose = Math.max(1, ...names.flatMap((n) => curves[n].dose_gy));
  const plot = svg("svg", { viewBox: `0 0 ${width} ${height}`, role: "img",
    "aria-label": "cumulative dose-volume histograms", class: "dvh" });
  const x = (d) => left + (width - left - right) * d / maxDose;
  const y = (v) => top + (height - top - bottom) * (1 - v / 100);
  plot.appendChild(svg("line", { x1: left, y1: y(0), x2: x(maxDose), y2: y(0), stroke: "#444" }));
  plot.appendChild(svg("line", { x1: left, y1: y(0), x2: left, y2: y(100), stroke: "#444" }));
  for (let k = 0; k <= 4; k++) {
    const d = maxDose * k / 4;
    plot.appendChild(svg("text", { x: x(d), y: height - 20, "text-anchor": "middle",
      "font-size": 10 }, d.toFixed(0)));
    plot.appendChild(svg("text", { x: left - 6, y: y(25 * k) + 3, "text-anchor": "end",
      "font-size": 10 }, String(25 * k)));
  }
  plot.appendChild(svg("text", { x: (left + width) / 2, y: height - 4, "text-anchor": "middle",
    "font-size": 11 }, "dose (Gy)"));
  plot.appendChild(svg("text", { x: 12, y: height / 2, "font-size": 11,
    transform: `rotate(-90 12 ${height / 2})`, "text-anchor": "middle" }, "volume (%)"));
  names.forEach((name, i) => {
    // the colour of the VOI's outline in the viewer; regions the structure set does not name
    // (the non-tumour liver) take the colours after them
    const known = voiNames.indexOf(name);
    const k = known >= 0 ? known : voiNames.length + i;
    const [r, g, b] = VOI_COLOURS[k % VOI_COLOURS.length];
    const c = curves[name];
    const points = c.dose_gy.map((d, j) => `${x(d).toFixed(1)},${y(c.volume_percent[j]).toFixed(1)}`);
    const line = svg("polyline", { points: points.join(" "), fill: "none",
      stroke: `rgb(${r},${g},${b})`, "stroke-width": 1.5 });
    line.appendChild(svg("title", {}, name));
    plot.appendChild(line);
    plot.appendChild(svg("text", { x: width - right - 4, y: top + 12 + 12 * i,
      "text-anchor": "end", "font-size": 10, fill: `rgb(${r},${g},${b})` }, name));
  });
  target.replaceChildren(plot);
}

async function start(root) {
  const base = root.dataset.volumes;
  const result = JSON.parse(root.dataset.result);
  const levels = result.isodose_levels_gy;
  // the colour bar spans 0 to the highest isodose level (the protocol's ideal tumour dose)
  const maxDose = Math.max(...levels);
  const nv = new Niivue({ isColorbar: true, show3Dcrosshair: false, backColor: [0, 0, 0, 1],
    crosshairColor: [0.2, 0.8, 1, 1], multiplanarLayout: MULTIPLANAR_TYPE.GRID,
    multiplanarShowRender: SHOW_RENDER.NEVER, dragAndDropEnabled: false });
  await nv.attachToCanvas(root.querySelector("canvas"));
  nv.setSliceType(nv.sliceTypeMultiplanar);
  await nv.loadVolumes([
    { url: `${base}ct.nii.gz`, name: "ct.nii.gz", colormap: "gray", cal_min: -160, cal_max: 240 },
    { url: `${base}dose.nii.gz`, name: "dose.nii.gz", colormap: "warm", opacity: 0.5,
      cal_min: levels[0] / 10, cal_max: maxDose },
    { url: `${base}spect.nii.gz`, name: "spect.nii.gz", colormap: "winter", opacity: 0 },
    { url: `${base}vois.nii.gz`, name: "vois.nii.gz" },
    { url: `${base}isodose.nii.gz`, name: "isodose.nii.gz" },
  ]);
  const [ct, dose, spect, vois, isodose] = nv.volumes;
  ct.colorbarVisible = false;
  spect.colorbarVisible = false;
  vois.hdr.intent_code = NIFTI_INTENT_LABEL;
  vois.setColormapLabel(labelMap(result.voi_names, VOI_COLOURS));
  vois.colorbarVisible = false;
  isodose.hdr.intent_code = NIFTI_INTENT_LABEL;
  isodose.setColormapLabel(labelMap(levels.map((l) => `${l} Gy`), ISODOSE_COLOURS));
  isodose.colorbarVisible = false;
  nv.setAtlasOutline(1);
  nv.updateGLVolume();

  const controls = root.querySelector("form");
  const apply = () => {
    const w = Number(controls.window.value), l = Number(controls.level.value);
    ct.cal_min = l - w / 2;
    ct.cal_max = l + w / 2;
    const overlay = controls.overlay.value;
    const alpha = Number(controls.opacity.value);
    nv.setOpacity(1, overlay === "dose" ? alpha : 0);
    nv.setOpacity(2, overlay === "spect" ? alpha : 0);
    dose.colorbarVisible = overlay === "dose" && alpha > 0;
    spect.colorbarVisible = overlay === "spect" && alpha > 0;
    nv.setOpacity(3, controls.vois.checked ? 1 : 0);
    nv.setOpacity(4, controls.isodose.checked ? 1 : 0);
    nv.updateGLVolume();
  };
  controls.addEventListener("input", apply);
  controls.addEventListener("submit", (event) => event.preventDefault());
  apply();
  nv.onLocationChange = (data) => {
    root.querySelector("[data-location]").textContent = data.string || "";
  };
  const answer = await fetch(root.dataset.dvh, { credentials: "same-origin" });
  drawDvh(root.querySelector("[data-dvh]"), await answer.json(), result.voi_names);
  window.heparViewer = nv;
  root.dataset.state = "ready";
}

const root = document.getElementById("dose-viewer");
if (root) {
  start(root).catch((error) => {
    root.dataset.state = "failed";
    root.querySelector("[data-location]").textContent = `viewer: ${error}`;
  });
}
