#!/usr/bin/env node
// First step of `npm run setup`: a clone has no .env, and production (npm start's default) refuses the
// example's all-zero key. Writes .env from .env.example with a fresh random TOKEN_ENCRYPTION_KEY, once;
// an existing .env is never touched, so a key that sealed stored tokens is never replaced.
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const target = join(root, ".env");

if (existsSync(target)) process.exit(0);

const example = readFileSync(join(root, ".env.example"), "utf8");
const key = randomBytes(32).toString("hex");
const written = example.replace(/^TOKEN_ENCRYPTION_KEY=0+$/m, `TOKEN_ENCRYPTION_KEY=${key}`);
if (written === example) {
  console.error(".env.example has no all-zero TOKEN_ENCRYPTION_KEY line to replace; copy it to .env and set a key by hand.");
  process.exit(1);
}
writeFileSync(target, written, { mode: 0o600 });
console.log("Wrote .env from .env.example with a new random TOKEN_ENCRYPTION_KEY (keep it: it seals the stored Meta tokens).");
console.log("Put your app's Shopify values (Partner Dashboard) in .env before installing it on a store.");
