// pulumi-resource-random: the upstream hashicorp/random Terraform provider
// exposed as a Pulumi resource provider through pulumi-terraform-bridge (pf).
// `pulumi-resource-random tfgen schema --out DIR` writes schema.json and
// bridge-metadata.json; the build embeds them in a second link.
package main

import (
	"context"
	_ "embed"
	"os"

	pftfbridge "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/pf/tfbridge"
	pftfgen "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/pf/tfgen"
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge"
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge/tokens"

	"github.com/terraform-providers/terraform-provider-random/meshkitshim"
)

var version = "0.0.0-dev" // set with -ldflags -X main.version=

//go:embed schema.json
var schema []byte

//go:embed bridge-metadata.json
var metadata []byte

func info() tfbridge.ProviderInfo {
	p := tfbridge.ProviderInfo{
		Name:         "random",
		P:            pftfbridge.ShimProvider(meshkitshim.NewProvider()),
		Version:      version,
		Description:  "A Pulumi package to safely use randomness in Pulumi programs.",
		License:      "Apache-2.0",
		Repository:   "https://github.com/pulumi/pulumi-random",
		MetadataInfo: tfbridge.NewProviderMetadata(metadata),
		Resources: map[string]*tfbridge.ResourceInfo{
			// random_bytes has no id attribute upstream; it is identified by its value.
			"random_bytes": {ComputeID: tfbridge.DelegateIDField("base64", "random", "https://github.com/pulumi/pulumi-random")},
		},
	}
	// Upstream names keep their "random_" prefix in Pulumi: random_password -> RandomPassword.
	p.MustComputeTokens(tokens.SingleModule("", "index", tokens.MakeStandard("random")))
	return p
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "tfgen" {
		os.Args = append(os.Args[:1], os.Args[2:]...)
		pftfgen.Main("random", info())
		return
	}
	pftfbridge.Main(context.Background(), "random", info(), pftfbridge.ProviderMetadata{PackageSchema: schema})
}
