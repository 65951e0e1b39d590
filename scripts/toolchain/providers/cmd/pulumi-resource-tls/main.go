// pulumi-resource-tls: the upstream hashicorp/tls Terraform provider exposed
// as a Pulumi resource provider through pulumi-terraform-bridge (pf).
// `pulumi-resource-tls tfgen schema --out DIR` writes schema.json and
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

	"github.com/hashicorp/terraform-provider-tls/meshkitshim"
)

var version = "0.0.0-dev" // set with -ldflags -X main.version=

//go:embed schema.json
var schema []byte

//go:embed bridge-metadata.json
var metadata []byte

func info() tfbridge.ProviderInfo {
	p := tfbridge.ProviderInfo{
		Name:         "tls",
		P:            pftfbridge.ShimProvider(meshkitshim.NewProvider()),
		Version:      version,
		Description:  "A Pulumi package to create TLS resources in Pulumi programs.",
		License:      "Apache-2.0",
		Repository:   "https://github.com/pulumi/pulumi-tls",
		MetadataInfo: tfbridge.NewProviderMetadata(metadata),
	}
	p.MustComputeTokens(tokens.SingleModule("tls_", "index", tokens.MakeStandard("tls")))
	return p
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "tfgen" {
		os.Args = append(os.Args[:1], os.Args[2:]...)
		pftfgen.Main("tls", info())
		return
	}
	pftfbridge.Main(context.Background(), "tls", info(), pftfbridge.ProviderMetadata{PackageSchema: schema})
}
