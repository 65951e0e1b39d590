// SIGINT/SIGTERM during a command: the first asks the engine to stop gracefully (it finishes the
// step under way and unlocks the stack); a second one exits at once (the session watchdog stops the
// engine processes, and the next command recovers the lock).
import { progress } from "./print.ts";

const signalNumbers = { SIGINT: 2, SIGTERM: 15 } as const;

export function interruption(): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const onSignal = (name: keyof typeof signalNumbers) => {
    if (controller.signal.aborted) {
      progress(`${name} again: exiting now`);
      process.exit(128 + signalNumbers[name]);
    }
    progress(`${name}: stopping after the engine's current step (send it again to exit at once)`);
    process.exitCode = 128 + signalNumbers[name];
    controller.abort(new Error(`interrupted by ${name}`));
  };
  const int = () => onSignal("SIGINT");
  const term = () => onSignal("SIGTERM");
  process.on("SIGINT", int);
  process.on("SIGTERM", term);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off("SIGINT", int);
      process.off("SIGTERM", term);
    },
  };
}
