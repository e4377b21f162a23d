import type { LoaderFunctionArgs } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { Form, useLoaderData } from "@remix-run/react";
import { login } from "~/shopify.server";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const url = new URL(request.url);
  // The admin opens the app URL with ?shop=…; those visits belong in the embedded app, not here.
  if (url.searchParams.get("shop")) {
    throw redirect(`/app?${url.searchParams.toString()}`);
  }
  return { showForm: Boolean(login) };
};

export default function Index() {
  const { showForm } = useLoaderData<typeof loader>();

  return (
    <main style={{ maxWidth: "40rem", margin: "4rem auto", padding: "0 1rem", fontFamily: "Inter, sans-serif" }}>
      <h1>Meta Pixel &amp; Conversions API for Shopify</h1>
      <p>Every purchase reaches Meta exactly once, from the browser and the server, even when the pixel is blocked.</p>
      {showForm && (
        <Form method="post" action="/auth/login">
          <label style={{ display: "grid", gap: "0.25rem", marginBottom: "0.75rem" }}>
            <span>Shop domain</span>
            <input type="text" name="shop" placeholder="my-shop-domain.myshopify.com" />
          </label>
          <button type="submit">Log in</button>
        </Form>
      )}
      <ul>
        <li>
          <strong>Pixel and server in step</strong>. Browser and server share one event ID, so Meta counts each purchase once.
        </li>
        <li>
          <strong>Delivery you can see</strong>. Every order shows what was sent to Meta and what Meta answered.
        </li>
        <li>
          <strong>Nothing lost when Meta is down</strong>. Failed sends are retried with backoff.
        </li>
      </ul>
    </main>
  );
}
