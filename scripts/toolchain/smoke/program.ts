// Toolchain smoke test through `pulumi up`, i.e. the CLI starting
// pulumi-language-nodejs, which runs this program with tsx.
import * as random from "@pulumi/random";

const pet = new random.RandomPet("pet", { length: 2 });
export const name = pet.id;
