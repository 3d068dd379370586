import en from "@/messages/en.json";
import ko from "@/messages/ko.json";

export type Messages = typeof en;
export const locales = ["en", "ko"] as const;
export type Locale = (typeof locales)[number];

// Typed against the English file: a key missing from ko.json fails `tsc`.
const catalog: Record<Locale, Messages> = { en, ko };

export function isLocale(value: string): value is Locale {
  return (locales as readonly string[]).includes(value);
}

export function messagesFor(locale: Locale): Messages {
  return catalog[locale];
}

/** Fills `{name}` placeholders; a placeholder without a value stays visible so a missing value is noticed. */
export function format(template: string, values: Record<string, string | number> = {}): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in values ? String(values[name]) : whole));
}
