// Input rules shared by the CLI and the admin: each message says what is wrong in the user's terms.
import { z } from "zod";

export const shopDomainSchema = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9][a-z0-9-]*\.myshopify\.com$/, "must be the shop's myshopify.com domain, e.g. my-store.myshopify.com");

export const pixelIdSchema = z
  .string()
  .trim()
  .regex(/^\d+$/, "must contain digits only (the dataset/pixel ID from Meta Events Manager)")
  .min(5, "is too short to be a Meta pixel ID")
  .max(20, "is too long to be a Meta pixel ID");

// Meta's access tokens are long opaque strings of letters and digits; spaces or quotes mean a bad paste.
export const accessTokenSchema = z
  .string()
  .trim()
  .min(32, "is too short to be a Conversions API access token")
  .max(1024, "is too long to be a Conversions API access token")
  .regex(/^[A-Za-z0-9_\-.|]+$/, "must be pasted exactly as Meta shows it (letters and digits, no spaces or quotes)");

export const testEventCodeSchema = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, "must be the code from Meta's Test Events tab, e.g. TEST12345 (no spaces)");

export const orderIdSchema = z
  .string()
  .trim()
  .regex(/^\d{1,20}$/, "must be the numeric Shopify order ID (as in the order's admin URL)");

/** Flattens a zod error into "field must …" sentences. */
export function describeIssues(error: z.ZodError, labels: Record<string, string> = {}): string[] {
  return error.issues.map((issue) => {
    const key = issue.path.join(".");
    return `${labels[key] ?? key} ${issue.message}`.trim();
  });
}
