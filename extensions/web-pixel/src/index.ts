// Entry point the Shopify CLI bundles for the strict sandbox. Behaviour lives in pixel.ts, so tests run
// the same code with a fake extension API.
import { register } from "@shopify/web-pixels-extension";
import { createPixel } from "./pixel";

register(createPixel);
