// Property tests run on a fixed seed so CI is reproducible: a failure shows up on every run, not now and
// then. FAST_CHECK_SEED=<n> tries another seed; FAST_CHECK_SEED=random draws one per run, to explore.
import fc from "fast-check";

const setting = process.env.FAST_CHECK_SEED ?? "20261128";
if (setting !== "random") fc.configureGlobal({ seed: Number(setting) });
