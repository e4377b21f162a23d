// The stand-in Meta as its own process, to develop against or to benchmark with (the benchmark runs it
// apart so its work does not disturb the load generator's clock).
//
//   npx tsx dev/fake-meta/serve.ts [--graph-port 4001] [--pixel-port 4002] [--latency 150-400] [--token <pixel>:<token>]
//
// Then start the app with META_GRAPH_API_URL=http://127.0.0.1:4001. GET /__fake-meta/summary on the pixel
// port shows what arrived and what Meta would count; POST /__fake-meta/behaviour changes how it answers
// ({"kind":"slow","ms":6000}, {"kind":"outage"}, {"kind":"normal","latencyMs":[150,400]}).
import { parseArgs } from "node:util";
import { startFakeMeta } from "./index";

const { values } = parseArgs({
  options: {
    "graph-port": { type: "string" },
    "pixel-port": { type: "string" },
    latency: { type: "string" },
    token: { type: "string", multiple: true },
  },
  strict: true,
});

function fail(message: string): never {
  console.error(`Error: ${message}`);
  process.exit(2);
}

const port = (value: string | undefined, flag: string) => {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) fail(`${flag} must be a port number`);
  return n;
};

let latencyMs: [number, number] | undefined;
if (values.latency !== undefined) {
  const match = /^(\d+)(?:-(\d+))?$/.exec(values.latency);
  if (!match) fail("--latency must be milliseconds, e.g. 200 or 150-400");
  const min = Number(match[1]);
  const max = Number(match[2] ?? match[1]);
  if (max < min) fail("--latency: the maximum is below the minimum");
  latencyMs = [min, max];
}

let tokens: Record<string, string> | undefined;
for (const pair of values.token ?? []) {
  const match = /^(\d+):(.+)$/.exec(pair);
  if (!match) fail("--token must be <pixel id>:<access token>");
  tokens = { ...tokens, [match[1]]: match[2] };
}

const meta = await startFakeMeta({
  latencyMs,
  tokens,
  graphPort: port(values["graph-port"], "--graph-port"),
  pixelPort: port(values["pixel-port"], "--pixel-port"),
});
console.log(`fake meta ready ${JSON.stringify({ graphUrl: meta.graphUrl, pixelUrl: meta.pixelUrl, latencyMs: latencyMs ?? null })}`);

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, async () => {
    await meta.close();
    process.exit(0);
  });
}
