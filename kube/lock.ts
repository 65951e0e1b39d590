// One `kube up` or `kube down` at a time per host: e2e files and users may run them concurrently, and two
// starters would race for the same ports and pidfiles. The lock is a file holding the holder's pid; a
// lock whose holder is gone is taken over.
import { mkdir, open, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { stateDir } from "./paths.ts";

const lockFile = join(stateDir, "cluster.lock");

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

export async function withClusterLock<T>(what: string, log: (line: string) => void, work: () => Promise<T>, timeoutMs = 900_000): Promise<T> {
  await mkdir(stateDir, { recursive: true, mode: 0o700 });
  const deadline = Date.now() + timeoutMs;
  let told = false;
  for (;;) {
    try {
      const handle = await open(lockFile, "wx");
      await handle.writeFile(`${process.pid}\n${what}\n`);
      await handle.close();
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const [pid, holder] = (await readFile(lockFile, "utf8").catch(() => "")).split("\n");
      if (!pid || !alive(Number(pid))) {
        await rm(lockFile, { force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`another "${holder}" (pid ${pid}) still holds ${lockFile} after ${timeoutMs / 1000} s`);
      if (!told) log(`waiting for another "${holder}" (pid ${pid}) to finish`);
      told = true;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  try {
    return await work();
  } finally {
    await rm(lockFile, { force: true });
  }
}
