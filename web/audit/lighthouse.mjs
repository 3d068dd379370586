// Lighthouse, as a browser's own audit sees the pages: every page in both languages, mobile and desktop,
// against the built site (WEB_URL) and the real DevHost (API_URL). Started by ../scripts/test-web.sh.
//
// Targets: accessibility, best practices and SEO 1.0; performance at least 0.95. One audit of one page in one
// language and form factor is one test: it passes when every category is on target. Prints a table, writes a
// vitest-shaped summary (numPassedTests, numFailedTests) to RESULTS and, for a page under target, the full
// Lighthouse JSON to REPORT_DIR.
//
// Performance varies from run to run (Lighthouse's own advice: take the median of several runs). A page whose
// first run is under the performance target and on target otherwise is run twice more and judged by the run
// with the median performance score of the three; the line shows all three. Performance is a timing: on a machine
// running far more than it has cores for (1-minute load average above 4 per core; a shared developer box while
// other builds run, never a CI runner), a page under the performance target alone is shown as "not judged" with
// the load, and counted neither passed nor failed. Accessibility, best practices and SEO are judged always.
//
// Signed-in pages: the page gets the token in sessionStorage before any of its scripts run, the way the dev
// sign-in page leaves it (Playwright signs in through that page; an audit must start on the page it measures).
import { launch } from "chrome-launcher";
import lighthouse, { desktopConfig } from "lighthouse";
import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import puppeteer from "puppeteer-core";

const TARGETS = { performance: 0.95, accessibility: 1, "best-practices": 1, seo: 1 };
const CATEGORIES = Object.keys(TARGETS);
const OVERLOADED_PER_CORE = 4;
const STORAGE_KEY = "loginexus.billing.accessToken"; // lib/auth/accessToken.ts

/** Every page of the site; `signedIn` pages are audited as a Pro tenant's admin (with invoices to list). */
const PAGES = [
  { name: "dashboard", path: "billing/", signedIn: true },
  { name: "pricing", path: "billing/pricing/", signedIn: false },
  { name: "success", path: "billing/success/", signedIn: true },
  { name: "canceled", path: "billing/canceled/", signedIn: false },
  { name: "sign-in", path: "billing/sign-in/", signedIn: false },
  // The 404 page answers 404 and is not for search engines (Next marks it noindex), by definition: it is
  // audited anyway, without the two SEO audits about exactly that and with its own 404 allowed in the console.
  { name: "not-found", path: "billing/no-such-page/", signedIn: false, notFound: true },
];
const LOCALES = ["en", "ko"];
const FORM_FACTORS = ["mobile", "desktop"];

function required(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the page audits through scripts/test-web.sh`);
  return value;
}

const webUrl = required("WEB_URL");
const apiUrl = required("API_URL");
const token = required("TOKEN");
const resultsFile = required("RESULTS");
const reportDir = process.env.REPORT_DIR || "lighthouse-reports";
const only = process.env.LIGHTHOUSE_PAGES?.split(",").filter(Boolean); // e.g. "dashboard,pricing" while developing

/** Upgrades the audit's tenant to Pro through the API (demo mode) and waits until the plan is applied. */
async function upgradeToPro() {
  const headers = { Authorization: `Bearer ${token}`, "Content-Type": "application/json" };
  const plan = async () => (await (await fetch(`${apiUrl}/subscription`, { headers })).json()).plan_tier;
  if (await plan() === "pro") return;
  const checkout = await fetch(`${apiUrl}/checkout`, { method: "POST", headers, body: JSON.stringify({ plan_tier: "pro" }) });
  if (!checkout.ok) throw new Error(`POST /checkout answered ${checkout.status}`);
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (await plan() === "pro") return;
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  throw new Error("the audit tenant did not reach the Pro plan within 30 s");
}

/** The categories under target and, for each, the audits that cost it points. */
function shortfalls(lhr) {
  const out = [];
  for (const id of CATEGORIES) {
    const category = lhr.categories[id];
    if (category.score !== null && category.score >= TARGETS[id]) continue;
    const lost = category.auditRefs
      .filter((ref) => ref.weight > 0)
      .map((ref) => lhr.audits[ref.id])
      .filter((audit) => audit.score !== null && audit.score < 1)
      .map((audit) => (audit.displayValue ? `${audit.id} (${audit.displayValue})` : audit.id));
    out.push(`${id} ${category.score ?? "n/a"}: ${lost.join(", ") || "no scored audit below 1"}`);
  }
  return out;
}

async function audit(browser, page, locale, formFactor) {
  const tab = await browser.newPage();
  try {
    if (page.signedIn) {
      await tab.evaluateOnNewDocument((key, value) => {
        if (location.protocol.startsWith("http")) sessionStorage.setItem(key, value);
      }, STORAGE_KEY, token);
    }
    const url = `${webUrl}/${locale}/${page.path}`;
    const flags = { output: "json", logLevel: "error", onlyCategories: CATEGORIES };
    const base = formFactor === "desktop" ? desktopConfig : { extends: "lighthouse:default" };
    const config = page.notFound
      ? {
          ...base,
          settings: { ...base.settings, skipAudits: ["http-status-code", "is-crawlable"] },
          audits: [{ path: "errors-in-console", options: { ignoredPatterns: ["the server responded with a status of 404"] } }],
        }
      : base;
    const result = await lighthouse(url, { ...flags, ignoreStatusCode: page.notFound === true }, config, tab);
    if (!result) throw new Error(`no Lighthouse result for ${url}`);
    if (result.lhr.runtimeError) throw new Error(`${result.lhr.runtimeError.code}: ${result.lhr.runtimeError.message}`);
    return result.lhr;
  } finally {
    await tab.close();
  }
}

const pad = (value, width) => String(value).padEnd(width);
const score = (value) => (value === null || value === undefined ? "n/a" : value.toFixed(2));

async function main() {
  await upgradeToPro();
  const chrome = await launch({
    chromePath: process.env.CHROMIUM_PATH || "/usr/bin/chromium",
    chromeFlags: ["--headless=new", "--no-sandbox", "--disable-gpu"],
  });
  const browser = await puppeteer.connect({ browserURL: `http://127.0.0.1:${chrome.port}`, defaultViewport: null });
  let passed = 0;
  let failed = 0;
  let notJudged = 0;
  const problems = [];
  console.log(`${pad("page", 12)}${pad("lang", 5)}${pad("form", 9)}${pad("perf", 6)}${pad("a11y", 6)}${pad("bp", 6)}${pad("seo", 6)}secs  result`);
  try {
    for (const page of PAGES.filter((p) => !only || only.includes(p.name))) {
      for (const locale of LOCALES) {
        for (const formFactor of FORM_FACTORS) {
          const started = Date.now();
          let line;
          try {
            let lhr = await audit(browser, page, locale, formFactor);
            let missed = shortfalls(lhr);
            let runs = "";
            if (missed.length === 1 && missed[0].startsWith("performance ")) {
              const again = [lhr, await audit(browser, page, locale, formFactor), await audit(browser, page, locale, formFactor)];
              again.sort((a, b) => (a.categories.performance.score ?? 0) - (b.categories.performance.score ?? 0));
              runs = ` (median of ${again.map((r) => score(r.categories.performance.score)).join(", ")})`;
              lhr = again[1];
              missed = shortfalls(lhr);
            }
            const seconds = ((Date.now() - started) / 1000).toFixed(0);
            const load = os.loadavg()[0] / os.cpus().length;
            const overloaded = missed.length === 1 && missed[0].startsWith("performance ") && load > OVERLOADED_PER_CORE;
            const verdict = missed.length === 0 ? "ok"
              : overloaded ? `NOT JUDGED (load ${load.toFixed(1)} per core)` : "UNDER TARGET";
            const c = lhr.categories;
            line = `${pad(page.name, 12)}${pad(locale, 5)}${pad(formFactor, 9)}${pad(score(c.performance.score), 6)}`
              + `${pad(score(c.accessibility.score), 6)}${pad(score(c["best-practices"].score), 6)}${pad(score(c.seo.score), 6)}`
              + `${pad(seconds, 6)}${verdict}${runs}`;
            if (missed.length === 0) {
              passed++;
            } else if (overloaded) {
              notJudged++;
            } else {
              failed++;
              const name = `${page.name}-${locale}-${formFactor}`;
              problems.push(`${name}: ${missed.join("; ")}`);
              mkdirSync(reportDir, { recursive: true });
              writeFileSync(path.join(reportDir, `${name}.json`), JSON.stringify(lhr));
            }
          } catch (error) {
            failed++;
            line = `${pad(page.name, 12)}${pad(locale, 5)}${pad(formFactor, 9)}error: ${error.message}`;
            problems.push(`${page.name}-${locale}-${formFactor}: ${error.message}`);
          }
          console.log(line);
        }
      }
    }
  } finally {
    await browser.disconnect();
    chrome.kill();
  }
  for (const problem of problems) console.log(`  ${problem}`);
  console.log(`Page audits: ${passed} on target, ${failed} under target`
    + (notJudged > 0 ? `, ${notJudged} not judged on performance (this machine was overloaded)` : "")
    + ` (targets: performance >= ${TARGETS.performance}, accessibility, best practices and SEO 1.0)`);
  writeFileSync(resultsFile, JSON.stringify({ numPassedTests: passed, numFailedTests: failed, numPendingTests: 0, numTodoTests: 0 }));
  return failed === 0;
}

main().then((ok) => process.exit(ok ? 0 : 1), (error) => {
  console.error(error);
  process.exit(1);
});
