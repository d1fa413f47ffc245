// Drives the try-it page (package httpapi) in headless Chromium (Debian's
// chromium package, through playwright-core): reads the example's result
// the page shows on load, then types a query and documents
// with the keyboard, submits with Ctrl+Enter, and prints what the page
// shows as JSON on standard output for the Go tests (through tryit.Open) to
// compare with the API (package internal/testutil/tryit).
//
//   node tryit.mjs URL QUERY DOCS_JSON [SCREENSHOT.png]
import { chromium } from "playwright-core";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const [url, query, docsJSON, shot] = process.argv.slice(2);
const docs = JSON.parse(docsJSON);
const profile = mkdtempSync(join(tmpdir(), "splade-chromium-"));
const ctx = await chromium.launchPersistentContext(profile, {
  executablePath: "/usr/bin/chromium",
  headless: true,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-quic", "--no-first-run"],
  viewport: { width: 1100, height: 900 },
});
try {
  const page = ctx.pages()[0] || (await ctx.newPage());
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("requestfailed", (r) => errors.push("request failed: " + r.url()));
  await page.goto(url, { waitUntil: "load" });
  await page.waitForFunction(() => document.getElementById("model").textContent.includes("dimensions"));
  const model = await page.textContent("#model");

  // The example's result, shown on load without a click.
  await page.waitForSelector("#out[data-done='1']");
  const onLoad = await page.evaluate(() => ({
    query: document.getElementById("query").value,
    bars: document.querySelectorAll("#top-terms li").length,
    scores: document.querySelectorAll("#scores tbody tr").length,
    error: (document.querySelector("#out .error") || {}).textContent || "",
  }));

  // The keyboard only: focus the query box, replace its text, Tab to the
  // documents, replace them, submit with Ctrl+Enter.
  await page.focus("#query");
  await page.keyboard.press("Control+A");
  await page.keyboard.type(query);
  await page.keyboard.press("Tab");
  const focused = await page.evaluate(() => document.activeElement.id);
  await page.keyboard.press("Control+A");
  await page.keyboard.press("Delete");
  for (let i = 0; i < docs.length; i++) {
    if (i > 0) await page.keyboard.press("Enter");
    await page.keyboard.type(docs[i]);
  }
  await page.keyboard.press("Control+Enter");
  await page.waitForSelector("#out[data-done='2']");
  const shown = await page.evaluate(() => {
    const err = document.querySelector("#out .error");
    const read = (sel) => [...document.querySelectorAll(sel)].map((li) => ({
      token: li.dataset.token, id: Number(li.dataset.id), weight: Number(li.dataset.weight),
      input: li.classList.contains("input"), label: li.querySelector(".tok").textContent,
      width: li.querySelector(".bar").getBoundingClientRect().width,
      color: getComputedStyle(li.querySelector(".bar")).backgroundColor,
    }));
    const bars = read("#top-terms li");
    const own = read("#text-terms li");
    const zero = [...document.querySelectorAll("#text-zero span.zero")].map((s) => Number(s.dataset.id));
    const scores = [...document.querySelectorAll("#scores tbody tr")].map((tr) => ({
      doc: Number(tr.dataset.doc), score: Number(tr.dataset.score),
    }));
    const tokens = [...document.querySelectorAll(".tokens span")].map((s) => s.textContent);
    return {
      error: err ? err.textContent : "",
      bars, own, zero, scores, tokens,
      active: Number(document.getElementById("active").textContent),
      sparsity: document.getElementById("sparsity").textContent,
    };
  });
  if (shot) await page.screenshot({ path: shot, fullPage: true });
  console.log(JSON.stringify({ model, onLoad, focusedAfterTab: focused, errors, ...shown }));
} finally {
  await ctx.close();
  rmSync(profile, { recursive: true, force: true });
}
