import type { Metadata } from "next";
import { NotFoundPage } from "@/components/NotFoundPage";
import { messagesFor } from "@/lib/i18n/messages";
import "./globals.css";

// Every unmatched path (out/404.html: `serve` and Azure Static Web Apps answer 404 with it). The [locale]
// layout is the root layout of every other page, so this page brings its own <html> and stylesheet.
const en = messagesFor("en");

export const metadata: Metadata = {
  title: `${en.app.notFoundTitle} · ${en.app.name}`,
  description: en.app.description,
};

export default function GlobalNotFound() {
  return (
    <html lang="en">
      <body>
        <NotFoundPage />
      </body>
    </html>
  );
}
