// V8 heap settings for the app's processes (`npm start`, `npm run worker`), which package.json spells out
// and scripts/lib/app-process.ts passes to every compiled entry it starts, so the demo, the tests and the
// bench run what operators run (tests/config/node-flags.test.ts holds package.json to this list).
//
// Why: under load V8 let a server whose live heap was 40 to 70 MB grow to 130-140 MB between major
// collections (its default growth factor for a fast collector is up to 4x), plus 32 MB of young generation,
// and the embedded server's peak reached 285-361 MB across runs of bench/memory-probe.ts. Growing the heap
// by half its live size at most, with 8 MB semi-spaces, held the same runs at 201-226 MB, with no
// difference in saturation throughput beyond the runs' own spread (1,650-1,840 req/s against 1,670-1,960 on
// 2 cores). A major collection of a 40-70 MB heap is mostly concurrent marking, a few ms on the main thread.
export const APP_NODE_FLAGS = ["--max-semi-space-size=8", "--heap-growing-percent=50"];
