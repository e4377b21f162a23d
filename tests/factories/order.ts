// TEMPORARY re-export: the order factory moved to dev/fake-shopify/orders.ts (the demo and the bench use it, and
// only tests import from tests/). Files being changed elsewhere still import this path; delete it once none does.
export * from "../../dev/fake-shopify/orders";
