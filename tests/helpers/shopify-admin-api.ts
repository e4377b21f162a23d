// The fake Shopify Admin API lives in dev/ (the local demo's admin uses it too); tests import it from here.
export * from "../../dev/fake-shopify/admin-api";
