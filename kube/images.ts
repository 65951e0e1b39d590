// Images on the real node: the node's own containerd never pulls (no registry is reachable), so every
// image a pod uses is copied from the Docker engine (`docker save | ctr -n k8s.io images import`) and
// pods use `imagePullPolicy: Never`. The sandbox (pause) image is built here from the project's base.
import { createHash } from "node:crypto";
import { execa } from "execa";
import { projectName } from "../components/config.ts";
import { labelKeys } from "../components/model/environment.ts";
import { hostDirs } from "./paths.ts";

/** containerd's namespace for CRI (kubelet) images. */
const criNamespace = "k8s.io";
export const baseImage = "meshkit-chaos/base:bookworm";

const pauseDockerfile = `FROM ${baseImage}\nCMD ["sleep", "infinity"]\n`;
/** Tagged with a hash of its Dockerfile so a changed recipe makes a new image. */
export const pauseImage = `meshkit-chaos/pause:${createHash("sha256").update(pauseDockerfile).digest("hex").slice(0, 12)}`;

const ctr = (...args: string[]) => ["--address", hostDirs.containerdSocket, "-n", criNamespace, ...args];

/** How containerd names an image Docker calls `repo:tag` (Docker Hub's implicit prefix, like kubelet). */
export function containerdRef(image: string): string {
  const [first] = image.split("/");
  const qualified = image.includes("/") && (first!.includes(".") || first!.includes(":") || first === "localhost") ? image : `docker.io/${image.includes("/") ? image : `library/${image}`}`;
  return /:[^/]+$/.test(qualified) || qualified.includes("@") ? qualified : `${qualified}:latest`;
}

/** Label on an imported image: the Docker image id it was copied from, so a moved tag is re-imported. */
const dockerIdLabel = "meshkit-chaos.docker-id";

/** Images in the node's containerd: reference -> the Docker image id it came from ("" if unknown). */
export async function nodeImages(): Promise<Map<string, string>> {
  const { stdout } = await execa("ctr", ctr("images", "ls"));
  const images = new Map<string, string>();
  for (const line of stdout.split("\n").slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 2) continue;
    const labels = fields.at(-1)!.split(",").map((kv) => kv.split("="));
    images.set(fields[0]!, labels.find(([k]) => k === dockerIdLabel)?.[1] ?? "");
  }
  return images;
}

/**
 * Copies images from the Docker engine into the real node's containerd, skipping those already there.
 * Throws naming the image when Docker does not have it (build it first: `npm run images`).
 */
export async function importImages(images: readonly string[], log: (line: string) => void): Promise<void> {
  const present = await nodeImages();
  const ids = new Map<string, string>();
  for (const image of new Set(images)) {
    const inspect = await execa("docker", ["image", "inspect", "--format", "{{.Id}}", image], { reject: false });
    if (inspect.exitCode !== 0) {
      throw new Error(`image ${image} is not in the Docker engine, so it cannot be imported into the local cluster: build it first (npm run images)`);
    }
    ids.set(image, inspect.stdout.trim());
  }
  const missing = [...ids].filter(([image, id]) => present.get(containerdRef(image)) !== id).map(([image]) => image);
  if (missing.length === 0) return;
  const started = Date.now();
  // One archive for all of them: shared layers are written once.
  try {
    // A shell pipe streams the archive (hundreds of MB) without Node buffering it.
    await execa("bash", ["-c", 'set -o pipefail; docker save "${@:2}" | ctr --address "$1" -n "$0" images import -', criNamespace, hostDirs.containerdSocket, ...missing], { all: true });
  } catch (error) {
    throw new Error(`importing ${missing.join(" ")} into the local cluster's containerd failed: ${(error as Error).message}`);
  }
  for (const image of missing) {
    const labelled = await execa("ctr", ctr("images", "label", containerdRef(image), `${dockerIdLabel}=${ids.get(image)}`), { reject: false, all: true });
    if (labelled.exitCode !== 0) throw new Error(`after the import the node's containerd lacks ${image}: ${labelled.all}`);
  }
  log(`imported ${missing.join(", ")} into the local cluster in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

/** Builds the sandbox image from the project's base image if Docker does not have it yet. */
export async function buildPauseImage(log: (line: string) => void): Promise<string> {
  if ((await execa("docker", ["image", "inspect", pauseImage], { reject: false })).exitCode === 0) return pauseImage;
  if ((await execa("docker", ["image", "inspect", baseImage], { reject: false })).exitCode !== 0) {
    throw new Error(`the base image ${baseImage} is missing: run \`bash scripts/bootstrap\` (it makes it with debootstrap)`);
  }
  await execa("docker", ["build", "-q", "-t", pauseImage, "--label", `${labelKeys.project}=${projectName}`, "-"], {
    input: pauseDockerfile,
    env: { DOCKER_BUILDKIT: "0" },
  });
  log(`built the sandbox image ${pauseImage}`);
  return pauseImage;
}
