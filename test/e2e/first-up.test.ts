// Issue 2's proof that the toolchain is real: `pulumi up` of a tiny program on the file backend
// creates a container, a TLS key and a password; `pulumi destroy` removes the container.
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { labelled, requireEngines, root } from "./engines.ts";

const cwd = `${root}/test/e2e/fixtures/first-up`;
const stack = `first-up-${process.pid}`;
const containerName = `mkc-first-up-${process.pid}`;
const pulumi = (...args: string[]) => execa("pulumi", [...args, "--stack", stack, "--non-interactive"], { cwd, all: true, reject: false });
let transcript = "";

beforeAll(async () => {
  await requireEngines();
  const init = await execa("pulumi", ["stack", "init", stack, "--non-interactive"], { cwd, all: true, reject: false });
  if (init.exitCode !== 0) throw new Error(`pulumi stack init failed:\n${init.all}`);
  await pulumi("config", "set", "containerName", containerName);
});

afterAll(async () => {
  await pulumi("destroy", "--yes", "--skip-preview");
  await pulumi("stack", "rm", "--yes", "--force");
});

describe("first real pulumi up", () => {
  it("creates a running container from the offline base image", async () => {
    const up = await pulumi("up", "--yes", "--skip-preview");
    transcript += up.all;
    expect(up.exitCode, up.all).toBe(0);
    const state = await execa("docker", ["inspect", "-f", "{{.State.Running}}", containerName]);
    expect(state.stdout).toBe("true");
    const outputs = JSON.parse((await pulumi("stack", "output", "--json")).stdout) as Record<string, unknown>;
    expect(outputs.passwordLength).toBe(24);
    expect(String(outputs.publicKey)).toContain("BEGIN PUBLIC KEY");
    expect(outputs.privateKey).toBe("[secret]");
  });

  it("destroys it and never prints the private key", async () => {
    const key = JSON.parse((await pulumi("stack", "output", "privateKey", "--show-secrets", "--json")).stdout) as string;
    expect(key).toContain("PRIVATE KEY");
    const destroy = await pulumi("destroy", "--yes", "--skip-preview");
    transcript += destroy.all;
    expect(destroy.exitCode, destroy.all).toBe(0);
    expect((await labelled("meshkit-chaos.project=meshkit-chaos-first-up")).containers).toEqual([]);
    const inspect = await execa("docker", ["inspect", containerName], { reject: false });
    expect(inspect.exitCode).not.toBe(0);
    const keyBody = key.split("\n").filter((l) => l && !l.startsWith("-----"))[0]!;
    expect(transcript).not.toContain(keyBody);
    expect(transcript).not.toContain("PRIVATE KEY");
  });
});
