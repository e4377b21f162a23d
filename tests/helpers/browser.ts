// Chromium for the tests lives in scripts/lib (the demo drives it too); tests import it from here.
export * from "../../scripts/lib/browser";
