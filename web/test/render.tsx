import { render } from "@testing-library/react";
import type { ReactElement } from "react";
import { I18nProvider } from "@/lib/i18n/I18nProvider";
import type { Locale } from "@/lib/i18n/messages";

/** Renders a component the way a page does: inside the locale's messages. */
export function renderIn(locale: Locale, ui: ReactElement) {
  return render(<I18nProvider locale={locale}>{ui}</I18nProvider>);
}
