import type { ResourceName } from "@/lib/api/client";

/** The metered resources, in the order every page lists them. */
export const resources: readonly ResourceName[] = ["shipments", "escrows", "api_calls"];

export function isResource(value: string): value is ResourceName {
  return (resources as readonly string[]).includes(value);
}
