// The shop's primary domain as Meta should see it in event_source_url: the domain shoppers browse and the
// merchant verified with Meta, not the .myshopify.com host. Read from the Admin API (shop { primaryDomain
// { url } }, "https://shop.example.com") or from a shop/update webhook (`domain`, a bare host).

const HOST = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+$/;

/** "https://<host>" for a usable URL or host name, else null (unknown: the caller keeps what it had). */
export function primaryDomainOrigin(value: unknown): string | null {
  if (typeof value !== "string") return null;
  const text = value.trim().toLowerCase();
  if (text === "") return null;
  let host: string;
  try {
    host = new URL(/^https?:\/\//.test(text) ? text : `https://${text}`).hostname;
  } catch {
    return null;
  }
  return HOST.test(host) ? `https://${host}` : null;
}
