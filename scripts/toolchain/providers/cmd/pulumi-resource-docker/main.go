// pulumi-resource-docker: the upstream kreuzwerker/docker Terraform provider
// (SDKv2 and Plugin Framework halves, muxed) exposed as a Pulumi resource
// provider through pulumi-terraform-bridge. Only the Terraform-backed
// resources exist here: pulumi-docker's own native docker.Image (build and
// push) is not part of the upstream provider and is not provided.
// `pulumi-resource-docker tfgen schema --out DIR` writes schema.json and
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
	sdkv2 "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfshim/sdk-v2"

	"github.com/terraform-providers/terraform-provider-docker/meshkitshim"
)

var version = "0.0.0-dev" // set with -ldflags -X main.version=

//go:embed schema.json
var schema []byte

//go:embed bridge-metadata.json
var metadata []byte

func info() tfbridge.ProviderInfo {
	ctx := context.Background()
	p := tfbridge.ProviderInfo{
		Name: "docker",
		P: pftfbridge.MuxShimWithPF(ctx,
			sdkv2.NewProvider(meshkitshim.SDKv2Provider(version)),
			meshkitshim.FrameworkProvider(version)),
		Version:      version,
		Description:  "A Pulumi package for interacting with Docker in Pulumi programs.",
		License:      "Apache-2.0",
		Repository:   "https://github.com/pulumi/pulumi-docker",
		MetadataInfo: tfbridge.NewProviderMetadata(metadata),
		Resources: map[string]*tfbridge.ResourceInfo{
			// Names used by @pulumi/docker for these upstream resources.
			"docker_image":  {Tok: "docker:index/remoteImage:RemoteImage"},
			"docker_config": {Tok: "docker:index/serviceConfig:ServiceConfig"},
			// @pulumi/docker keeps these list fields singular (the bridge would pluralize them).
			"docker_container": {Fields: map[string]*tfbridge.SchemaInfo{
				"command":           {Name: "command"},
				"networks_advanced": {Name: "networksAdvanced"},
			}},
		},
		DataSources: map[string]*tfbridge.DataSourceInfo{
			"docker_image": {Tok: "docker:index/getRemoteImage:getRemoteImage"},
		},
	}
	p.MustComputeTokens(tokens.SingleModule("docker_", "index", tokens.MakeStandard("docker")))
	return p
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "tfgen" {
		os.Args = append(os.Args[:1], os.Args[2:]...)
		pftfgen.MainWithMuxer("docker", info())
		return
	}
	pftfbridge.MainWithMuxer(context.Background(), "docker", info(), schema)
}
