// TEMPORARY re-export: the fake Graph API moved to dev/fake-meta/graph-api.ts (the demo uses it, and only tests
// import from tests/). Files being changed elsewhere still import this path; delete it once none does.
export * from "../../dev/fake-meta/graph-api";
