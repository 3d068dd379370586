import type { NextConfig } from "next";

// Static export: every page is HTML + JS served from any static host (Azure Static Web Apps, `serve`).
// The root is pinned to this folder: the repository root has its own package-lock.json (Azurite), and
// Next would otherwise take that folder as the project root.
// The dev sign-in page is `page.dev.tsx`: it is a route only in builds made with NEXT_PUBLIC_DEV_SIGN_IN=true.
const devSignIn = process.env.NEXT_PUBLIC_DEV_SIGN_IN === "true";

const config: NextConfig = {
  pageExtensions: devSignIn ? ["tsx", "ts", "dev.tsx"] : ["tsx", "ts"],
  output: "export",
  trailingSlash: true,
  images: { unoptimized: true },
  turbopack: { root: process.cwd() },
  // app/global-not-found.tsx: one 404 page inside the app shell for every unmatched path (out/404.html).
  experimental: { globalNotFound: true },
};

export default config;
