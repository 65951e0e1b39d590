// Bulk TCP traffic between test network namespaces, for bandwidth faults. Run with `ip netns exec`:
//   sink PORT        accepts one connection, prints {"ready":true} then {"bytes","ms"} when it ends
//   send HOST PORT MS   writes as fast as TCP allows for MS milliseconds, then resets the connection

import { createConnection, createServer } from "node:net";

const [mode, ...args] = process.argv.slice(2);

if (mode === "sink") {
  const server = createServer((socket) => {
    let bytes = 0;
    let first = 0;
    socket.on("data", (b: Buffer) => {
      if (first === 0) first = performance.now();
      bytes += b.length;
    });
    // A sender cut off at its deadline resets the connection; what arrived still counts.
    socket.on("error", () => undefined);
    socket.on("close", () => {
      console.log(JSON.stringify({ bytes, ms: performance.now() - first }));
      server.close();
    });
  });
  server.listen(Number(args[0]), "0.0.0.0", () => console.log(JSON.stringify({ ready: true })));
} else if (mode === "send") {
  const [host, port, ms] = args;
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  const socket = createConnection({ host: host!, port: Number(port) }, () => {
    const until = performance.now() + Number(ms);
    const pump = (): void => {
      while (performance.now() < until) {
        if (!socket.write(chunk)) {
          socket.once("drain", pump);
          return;
        }
      }
      socket.resetAndDestroy();
    };
    pump();
    // Stop at the deadline even while blocked on a full buffer: what is still queued behind a slow
    // link would take longer to drain than the measurement itself.
    setTimeout(() => socket.resetAndDestroy(), Number(ms)).unref();
  });
} else {
  console.error("usage: netns-traffic.ts sink PORT | send HOST PORT MS");
  process.exit(2);
}
