// The stand-in Meta (dev/fake-meta) as its own process, for the benchmark and the delivery probe: the
// Graph API answering after `latency` ms, one pixel and token accepted, and its test-only control routes.
import { freePort, startProcess, type AppProcess } from "../scripts/lib/app-process";

export interface StandInMeta {
  process: AppProcess;
  graphUrl: string;
  pixelUrl: string;
  /** Changes how the stand-in answers from now on (dev/fake-meta's behaviour route). */
  behave(body: object): Promise<void>;
  /** How many events and requests it has received so far (constant time: polled during runs). */
  counters(): Promise<{ serverEvents: number; serverRequests: number }>;
}

export async function startStandInMeta(opts: {
  latencyMs: readonly [number, number];
  pixelId: string;
  token: string;
}): Promise<StandInMeta> {
  const proc = await startProcess(
    "dev/fake-meta/serve.ts",
    { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp" },
    {
      readyText: "fake meta ready",
      name: "stand-in Meta",
      args: [
        "--graph-port",
        String(await freePort()),
        "--pixel-port",
        String(await freePort()),
        "--latency",
        opts.latencyMs.join("-"),
        "--token",
        `${opts.pixelId}:${opts.token}`,
      ],
    },
  );
  const ready = /fake meta ready (\{.*\})/.exec(proc.output());
  const { graphUrl, pixelUrl } = JSON.parse(ready![1]) as { graphUrl: string; pixelUrl: string };
  return {
    process: proc,
    graphUrl,
    pixelUrl,
    async behave(body) {
      const response = await fetch(`${pixelUrl}/__fake-meta/behaviour`, { method: "POST", body: JSON.stringify(body) });
      if (!response.ok) throw new Error(`stand-in Meta refused ${JSON.stringify(body)}: ${await response.text()}`);
    },
    async counters() {
      return (await (await fetch(`${pixelUrl}/__fake-meta/counters`)).json()) as { serverEvents: number; serverRequests: number };
    },
  };
}
