/**
 * The words for an API value (a status, an interval) from a message group's `${prefix}${value}` key, or the value
 * itself when the message files have none (a status the API adds before the pages know it).
 */
export function labelOf(group: object, prefix: string, value: string): string {
  const key = `${prefix}${value}`;
  const words: unknown = Object.hasOwn(group, key) ? (group as Record<string, unknown>)[key] : undefined;
  return typeof words === "string" ? words : value;
}
