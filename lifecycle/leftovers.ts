// Docker objects that carry the stack's labels. `purge` removes all of them; crash recovery removes
// only those the state does not know: a create the engine started but never recorded (the update was
// killed), which would otherwise make the next create fail on the fixed name.
import { execa } from "execa";
import { projectName } from "../components/config.ts";
import { labelKeys } from "../components/model/environment.ts";

export type DockerKind = "container" | "network" | "volume";

export interface DockerObject {
  readonly kind: DockerKind;
  readonly id: string;
  readonly name: string;
}

const listing: Record<DockerKind, readonly string[]> = {
  container: ["ps", "-a", "--no-trunc", "--format", "{{.ID}} {{.Names}}"],
  network: ["network", "ls", "--no-trunc", "--format", "{{.ID}} {{.Name}}"],
  volume: ["volume", "ls", "--format", "{{.Name}} {{.Name}}"],
};

const removal: Record<DockerKind, readonly string[]> = {
  container: ["rm", "-f", "-v"],
  network: ["network", "rm"],
  volume: ["volume", "rm", "-f"],
};

/** Containers, networks and volumes labelled with this project and stack. */
export async function labelledObjects(stack: string): Promise<DockerObject[]> {
  const filter = ["--filter", `label=${labelKeys.stack}=${stack}`, "--filter", `label=${labelKeys.project}=${projectName}`];
  const found: DockerObject[] = [];
  for (const kind of ["container", "network", "volume"] as const) {
    const { stdout } = await execa("docker", [...listing[kind], ...filter]);
    for (const line of stdout.split("\n").filter(Boolean)) {
      const [id, name] = line.split(" ") as [string, string];
      found.push({ kind, id, name });
    }
  }
  return found;
}

/** Removes the objects, containers first (networks and volumes in use cannot go). */
export async function removeObjects(objects: readonly DockerObject[]): Promise<void> {
  for (const kind of ["container", "network", "volume"] as const) {
    const ids = objects.filter((o) => o.kind === kind).map((o) => o.id);
    if (ids.length > 0) await execa("docker", [...removal[kind], ...ids]);
  }
}

export interface PendingCreate {
  readonly urn: string;
  readonly kind: DockerKind | undefined;
  /** The Docker name the create asked for. */
  readonly name: string | undefined;
}

const kindOfType: Record<string, DockerKind> = {
  "docker:index/container:Container": "container",
  "docker:index/network:Network": "network",
  "docker:index/volume:Volume": "volume",
};

/** Creates a killed update started and never recorded (`pending_operations` of a state export). */
export function pendingCreates(deployment: unknown): PendingCreate[] {
  const pending =
    (deployment as { pending_operations?: { type?: string; resource?: { urn?: string; type?: string; inputs?: { name?: unknown } } }[] })
      ?.pending_operations ?? [];
  return pending
    .filter((p) => p.type === "creating" && p.resource?.urn)
    .map((p) => ({
      urn: p.resource!.urn!,
      kind: kindOfType[p.resource!.type ?? ""],
      name: typeof p.resource!.inputs?.name === "string" ? p.resource!.inputs.name : undefined,
    }));
}

export const describeObjects = (objects: readonly { readonly kind: string; readonly name: string }[]): string =>
  objects.map((o) => `${o.kind} ${o.name}`).join(", ");
