// Runs after `next build` (npm run build). The static export inlines a few <script>s per page (Next's RSC payload
// and bootstrap) and its built-in 404 page has an inline <style> and style attributes, so the Content-Security-Policy
// of public/staticwebapp.config.json names each of them by its SHA-256 instead of allowing 'unsafe-inline', and
// names the API's origin (NEXT_PUBLIC_BILLING_API_URL, what the pages call) in connect-src. It writes:
//   out/staticwebapp.config.json  the Static Web App's configuration with that policy filled in;
//   serve.json                    the same headers for `serve -c` (scripts/run.sh and scripts/test-web.sh), so the
//                                 pages are tested with the headers Azure sends.
// A build whose policy cannot be filled in fails here.
import { createHash } from "node:crypto";
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import path from "node:path";

const web = path.resolve(import.meta.dirname, "..");
const out = path.join(web, "out");
const apiUrl = process.env.NEXT_PUBLIC_BILLING_API_URL || "http://127.0.0.1:7071/api/v1/billing"; // lib/api/client.ts's default

function pages(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? pages(full) : entry.name.endsWith(".html") ? [full] : [];
  });
}

const decode = (text) =>
  text.replace(/&quot;/g, '"').replace(/&#x27;|&#39;/g, "'").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
const sha256 = (text) => `'sha256-${createHash("sha256").update(text, "utf8").digest("base64")}'`;

const scripts = new Set();
const styles = new Set();
const styleAttributes = new Set();
for (const file of pages(out)) {
  const html = readFileSync(file, "utf8");
  for (const [, attributes, body] of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g))
    if (!/\bsrc=/.test(attributes) && body.length > 0) scripts.add(sha256(body));
  for (const [, body] of html.matchAll(/<style\b[^>]*>([\s\S]*?)<\/style>/g)) styles.add(sha256(body));
  for (const [, value] of html.matchAll(/\sstyle="([^"]*)"/g)) styleAttributes.add(sha256(decode(value)));
}

let origin;
try {
  origin = new URL(apiUrl).origin;
} catch {
  throw new Error(`NEXT_PUBLIC_BILLING_API_URL must be an absolute URL, not '${apiUrl}'`);
}
const styleSources = [...styles, ...(styleAttributes.size > 0 ? ["'unsafe-hashes'", ...styleAttributes] : [])];
const template = readFileSync(path.join(web, "public", "staticwebapp.config.json"), "utf8");
const config = JSON.parse(template);
const policy = config.globalHeaders["Content-Security-Policy"]
  .replace("{inline-script-hashes}", [...scripts].sort().join(" "))
  .replace("{inline-style-hashes}", styleSources.join(" "))
  .replace("{api-origin}", origin)
  .replace(/ +;/g, ";");
if (/[{}]/.test(policy)) throw new Error(`Content-Security-Policy still has a placeholder: ${policy}`);
config.globalHeaders["Content-Security-Policy"] = policy;

writeFileSync(path.join(out, "staticwebapp.config.json"), JSON.stringify(config, null, 2) + "\n");
writeFileSync(
  path.join(web, "serve.json"),
  JSON.stringify({ headers: [{ source: "**", headers: Object.entries(config.globalHeaders).map(([key, value]) => ({ key, value })) }] }, null, 2) + "\n",
);
console.log(`Content-Security-Policy: ${scripts.size} inline script hashes, ${styles.size + styleAttributes.size} inline style hashes, connect-src ${origin}`);
