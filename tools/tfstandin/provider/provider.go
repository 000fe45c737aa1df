// Package provider is a schema-only stand-in for a Terraform provider, served
// over plugin protocol 6. It knows every resource's and data source's schema,
// so `terraform validate` checks arguments, blocks, types and references, and
// `terraform test` can mock it; it never calls a cloud API:
//   - validation answers "no problems";
//   - a plan leaves computed attributes unknown on create;
//   - an apply echoes the planned values, filling unknowns with placeholders;
//   - reads echo the state (resources) or the configuration (data sources,
//     computed attributes filled with placeholders);
//   - import, move, functions, ephemeral resources are unsupported.
package provider

import (
	"context"
	"fmt"
	"sort"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/imgpipe/imgpipe/tools/tfstandin/schema"
)

// Server implements tfprotov6.ProviderServer.
type Server struct {
	provider    *tfprotov6.Schema
	resources   map[string]*tfprotov6.Schema
	dataSources map[string]*tfprotov6.Schema
}

var _ tfprotov6.ProviderServer = (*Server)(nil)

// New converts p into the protocol schemas the server answers with.
func New(p *schema.Provider) (*Server, error) {
	s := &Server{resources: map[string]*tfprotov6.Schema{}, dataSources: map[string]*tfprotov6.Schema{}}
	var err error
	if s.provider, err = p.Provider.Proto(); err != nil {
		return nil, fmt.Errorf("provider schema: %w", err)
	}
	for name, rs := range p.ResourceSchemas {
		if s.resources[name], err = rs.Proto(); err != nil {
			return nil, fmt.Errorf("resource %s: %w", name, err)
		}
	}
	for name, ds := range p.DataSourceSchemas {
		if s.dataSources[name], err = ds.Proto(); err != nil {
			return nil, fmt.Errorf("data source %s: %w", name, err)
		}
	}
	return s, nil
}

func errorDiag(format string, args ...any) []*tfprotov6.Diagnostic {
	return []*tfprotov6.Diagnostic{{Severity: tfprotov6.DiagnosticSeverityError, Summary: fmt.Sprintf(format, args...)}}
}

func unsupported(what string) []*tfprotov6.Diagnostic {
	return errorDiag("%s is not supported by the schema-only stand-in provider (offline checks only; see tools/tfstandin)", what)
}

// GetMetadata lists the resource and data source types.
func (s *Server) GetMetadata(context.Context, *tfprotov6.GetMetadataRequest) (*tfprotov6.GetMetadataResponse, error) {
	resp := &tfprotov6.GetMetadataResponse{ServerCapabilities: &tfprotov6.ServerCapabilities{}}
	for _, n := range sortedKeys(s.resources) {
		resp.Resources = append(resp.Resources, tfprotov6.ResourceMetadata{TypeName: n})
	}
	for _, n := range sortedKeys(s.dataSources) {
		resp.DataSources = append(resp.DataSources, tfprotov6.DataSourceMetadata{TypeName: n})
	}
	return resp, nil
}

// GetProviderSchema returns every schema.
func (s *Server) GetProviderSchema(context.Context, *tfprotov6.GetProviderSchemaRequest) (*tfprotov6.GetProviderSchemaResponse, error) {
	return &tfprotov6.GetProviderSchemaResponse{
		ServerCapabilities: &tfprotov6.ServerCapabilities{},
		Provider:           s.provider,
		ResourceSchemas:    s.resources,
		DataSourceSchemas:  s.dataSources,
		Functions:          map[string]*tfprotov6.Function{},
	}, nil
}

// GetResourceIdentitySchemas: the stand-in has no resource identities.
func (s *Server) GetResourceIdentitySchemas(context.Context, *tfprotov6.GetResourceIdentitySchemasRequest) (*tfprotov6.GetResourceIdentitySchemasResponse, error) {
	return &tfprotov6.GetResourceIdentitySchemasResponse{IdentitySchemas: map[string]*tfprotov6.ResourceIdentitySchema{}}, nil
}

// ValidateProviderConfig accepts any configuration the schema accepts.
func (s *Server) ValidateProviderConfig(_ context.Context, req *tfprotov6.ValidateProviderConfigRequest) (*tfprotov6.ValidateProviderConfigResponse, error) {
	return &tfprotov6.ValidateProviderConfigResponse{PreparedConfig: req.Config}, nil
}

// ConfigureProvider has nothing to configure.
func (s *Server) ConfigureProvider(context.Context, *tfprotov6.ConfigureProviderRequest) (*tfprotov6.ConfigureProviderResponse, error) {
	return &tfprotov6.ConfigureProviderResponse{}, nil
}

// StopProvider has nothing to stop.
func (s *Server) StopProvider(context.Context, *tfprotov6.StopProviderRequest) (*tfprotov6.StopProviderResponse, error) {
	return &tfprotov6.StopProviderResponse{}, nil
}

// ValidateResourceConfig: Terraform core has already checked the
// configuration against the schema; the stand-in knows no further rules.
func (s *Server) ValidateResourceConfig(_ context.Context, req *tfprotov6.ValidateResourceConfigRequest) (*tfprotov6.ValidateResourceConfigResponse, error) {
	if _, ok := s.resources[req.TypeName]; !ok {
		return &tfprotov6.ValidateResourceConfigResponse{Diagnostics: errorDiag("unknown resource type %q", req.TypeName)}, nil
	}
	return &tfprotov6.ValidateResourceConfigResponse{}, nil
}

// ValidateDataResourceConfig: see ValidateResourceConfig.
func (s *Server) ValidateDataResourceConfig(_ context.Context, req *tfprotov6.ValidateDataResourceConfigRequest) (*tfprotov6.ValidateDataResourceConfigResponse, error) {
	if _, ok := s.dataSources[req.TypeName]; !ok {
		return &tfprotov6.ValidateDataResourceConfigResponse{Diagnostics: errorDiag("unknown data source type %q", req.TypeName)}, nil
	}
	return &tfprotov6.ValidateDataResourceConfigResponse{}, nil
}

// UpgradeResourceState decodes the stored JSON state with the current schema.
func (s *Server) UpgradeResourceState(_ context.Context, req *tfprotov6.UpgradeResourceStateRequest) (*tfprotov6.UpgradeResourceStateResponse, error) {
	sc, ok := s.resources[req.TypeName]
	if !ok {
		return &tfprotov6.UpgradeResourceStateResponse{Diagnostics: errorDiag("unknown resource type %q", req.TypeName)}, nil
	}
	typ := sc.ValueType()
	v, err := req.RawState.UnmarshalWithOpts(typ, tfprotov6.UnmarshalOpts{ValueFromJSONOpts: tftypes.ValueFromJSONOpts{IgnoreUndefinedAttributes: true}})
	if err != nil {
		return &tfprotov6.UpgradeResourceStateResponse{Diagnostics: errorDiag("%s: decode stored state: %v", req.TypeName, err)}, nil
	}
	dv, err := tfprotov6.NewDynamicValue(typ, v)
	if err != nil {
		return nil, fmt.Errorf("%s: encode state: %w", req.TypeName, err)
	}
	return &tfprotov6.UpgradeResourceStateResponse{UpgradedState: &dv}, nil
}

// ReadResource echoes the current state: nothing exists to refresh from.
func (s *Server) ReadResource(_ context.Context, req *tfprotov6.ReadResourceRequest) (*tfprotov6.ReadResourceResponse, error) {
	return &tfprotov6.ReadResourceResponse{NewState: req.CurrentState, Private: req.Private}, nil
}

// PlanResourceChange plans the proposed state. On create, computed
// attributes that the configuration leaves unset become unknown.
func (s *Server) PlanResourceChange(_ context.Context, req *tfprotov6.PlanResourceChangeRequest) (*tfprotov6.PlanResourceChangeResponse, error) {
	sc, ok := s.resources[req.TypeName]
	if !ok {
		return &tfprotov6.PlanResourceChangeResponse{Diagnostics: errorDiag("unknown resource type %q", req.TypeName)}, nil
	}
	typ := sc.ValueType()
	prior, err := req.PriorState.Unmarshal(typ)
	if err != nil {
		return nil, fmt.Errorf("%s: decode prior state: %w", req.TypeName, err)
	}
	proposed, err := req.ProposedNewState.Unmarshal(typ)
	if err != nil {
		return nil, fmt.Errorf("%s: decode proposed state: %w", req.TypeName, err)
	}
	planned := proposed
	if prior.IsNull() && !proposed.IsNull() {
		planned, err = fillComputed(sc.Block, proposed, func(t tftypes.Type, _ string) tftypes.Value {
			return tftypes.NewValue(t, tftypes.UnknownValue)
		})
		if err != nil {
			return nil, fmt.Errorf("%s: plan: %w", req.TypeName, err)
		}
	}
	dv, err := tfprotov6.NewDynamicValue(typ, planned)
	if err != nil {
		return nil, fmt.Errorf("%s: encode plan: %w", req.TypeName, err)
	}
	return &tfprotov6.PlanResourceChangeResponse{PlannedState: &dv, PlannedPrivate: req.PriorPrivate}, nil
}

// ApplyResourceChange returns the planned state with every unknown value
// replaced by a placeholder (a destroy returns the null planned state).
func (s *Server) ApplyResourceChange(_ context.Context, req *tfprotov6.ApplyResourceChangeRequest) (*tfprotov6.ApplyResourceChangeResponse, error) {
	sc, ok := s.resources[req.TypeName]
	if !ok {
		return &tfprotov6.ApplyResourceChangeResponse{Diagnostics: errorDiag("unknown resource type %q", req.TypeName)}, nil
	}
	typ := sc.ValueType()
	planned, err := req.PlannedState.Unmarshal(typ)
	if err != nil {
		return nil, fmt.Errorf("%s: decode planned state: %w", req.TypeName, err)
	}
	state, err := resolveUnknowns(req.TypeName, planned)
	if err != nil {
		return nil, fmt.Errorf("%s: apply: %w", req.TypeName, err)
	}
	dv, err := tfprotov6.NewDynamicValue(typ, state)
	if err != nil {
		return nil, fmt.Errorf("%s: encode state: %w", req.TypeName, err)
	}
	return &tfprotov6.ApplyResourceChangeResponse{NewState: &dv, Private: req.PlannedPrivate}, nil
}

// ReadDataSource returns the configuration with computed attributes that
// it leaves unset filled with placeholders.
func (s *Server) ReadDataSource(_ context.Context, req *tfprotov6.ReadDataSourceRequest) (*tfprotov6.ReadDataSourceResponse, error) {
	sc, ok := s.dataSources[req.TypeName]
	if !ok {
		return &tfprotov6.ReadDataSourceResponse{Diagnostics: errorDiag("unknown data source type %q", req.TypeName)}, nil
	}
	typ := sc.ValueType()
	cfg, err := req.Config.Unmarshal(typ)
	if err != nil {
		return nil, fmt.Errorf("%s: decode config: %w", req.TypeName, err)
	}
	state, err := fillComputed(sc.Block, cfg, func(t tftypes.Type, name string) tftypes.Value {
		return placeholder(req.TypeName, name, t)
	})
	if err == nil {
		state, err = resolveUnknowns(req.TypeName, state)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: read: %w", req.TypeName, err)
	}
	dv, err := tfprotov6.NewDynamicValue(typ, state)
	if err != nil {
		return nil, fmt.Errorf("%s: encode state: %w", req.TypeName, err)
	}
	return &tfprotov6.ReadDataSourceResponse{State: &dv}, nil
}

// ImportResourceState is unsupported: there is nothing to import from.
func (s *Server) ImportResourceState(context.Context, *tfprotov6.ImportResourceStateRequest) (*tfprotov6.ImportResourceStateResponse, error) {
	return &tfprotov6.ImportResourceStateResponse{Diagnostics: unsupported("import")}, nil
}

// MoveResourceState is unsupported.
func (s *Server) MoveResourceState(context.Context, *tfprotov6.MoveResourceStateRequest) (*tfprotov6.MoveResourceStateResponse, error) {
	return &tfprotov6.MoveResourceStateResponse{Diagnostics: unsupported("moving state between resource types")}, nil
}

// UpgradeResourceIdentity is unsupported (no identities).
func (s *Server) UpgradeResourceIdentity(context.Context, *tfprotov6.UpgradeResourceIdentityRequest) (*tfprotov6.UpgradeResourceIdentityResponse, error) {
	return &tfprotov6.UpgradeResourceIdentityResponse{Diagnostics: unsupported("resource identity")}, nil
}

// GenerateResourceConfig is unsupported.
func (s *Server) GenerateResourceConfig(context.Context, *tfprotov6.GenerateResourceConfigRequest) (*tfprotov6.GenerateResourceConfigResponse, error) {
	return &tfprotov6.GenerateResourceConfigResponse{Diagnostics: unsupported("configuration generation")}, nil
}

// CallFunction is unsupported: the stand-in declares no functions.
func (s *Server) CallFunction(_ context.Context, req *tfprotov6.CallFunctionRequest) (*tfprotov6.CallFunctionResponse, error) {
	return &tfprotov6.CallFunctionResponse{Error: &tfprotov6.FunctionError{Text: fmt.Sprintf("function %q is not supported by the schema-only stand-in provider", req.Name)}}, nil
}

// GetFunctions returns no functions.
func (s *Server) GetFunctions(context.Context, *tfprotov6.GetFunctionsRequest) (*tfprotov6.GetFunctionsResponse, error) {
	return &tfprotov6.GetFunctionsResponse{Functions: map[string]*tfprotov6.Function{}}, nil
}

// ValidateEphemeralResourceConfig is unsupported: no ephemeral resources.
func (s *Server) ValidateEphemeralResourceConfig(context.Context, *tfprotov6.ValidateEphemeralResourceConfigRequest) (*tfprotov6.ValidateEphemeralResourceConfigResponse, error) {
	return &tfprotov6.ValidateEphemeralResourceConfigResponse{Diagnostics: unsupported("ephemeral resources")}, nil
}

// OpenEphemeralResource is unsupported.
func (s *Server) OpenEphemeralResource(context.Context, *tfprotov6.OpenEphemeralResourceRequest) (*tfprotov6.OpenEphemeralResourceResponse, error) {
	return &tfprotov6.OpenEphemeralResourceResponse{Diagnostics: unsupported("ephemeral resources")}, nil
}

// RenewEphemeralResource is unsupported.
func (s *Server) RenewEphemeralResource(context.Context, *tfprotov6.RenewEphemeralResourceRequest) (*tfprotov6.RenewEphemeralResourceResponse, error) {
	return &tfprotov6.RenewEphemeralResourceResponse{Diagnostics: unsupported("ephemeral resources")}, nil
}

// CloseEphemeralResource is unsupported.
func (s *Server) CloseEphemeralResource(context.Context, *tfprotov6.CloseEphemeralResourceRequest) (*tfprotov6.CloseEphemeralResourceResponse, error) {
	return &tfprotov6.CloseEphemeralResourceResponse{Diagnostics: unsupported("ephemeral resources")}, nil
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
