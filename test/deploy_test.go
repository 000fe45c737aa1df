//go:build integration

package test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/arn"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/gruntwork-io/terratest/modules/random"
	"github.com/gruntwork-io/terratest/modules/terraform"
	test_structure "github.com/gruntwork-io/terratest/modules/test-structure"
	"github.com/stretchr/testify/require"

	"github.com/imgpipe/imgpipe/test/itest"
)

// Stage names: SKIP_<name>=true skips the stage.
const (
	stageDeploy   = "deploy"
	stageValidate = "validate"
	stageCleanup  = "cleanup"
)

// destroyReserve is kept free of the test's deadline for terraform destroy.
const destroyReserve = 15 * time.Minute

// envTerraformBinary names the Terraform (or OpenTofu) binary to run;
// unset, Terratest picks terraform, else tofu, from PATH.
const envTerraformBinary = "IMGPIPE_TERRAFORM_BINARY"

// Names of the values a suite saves next to its Terraform options.
const (
	savedRunID  = "run_id"
	savedRegion = "region"
	savedCopy   = "copy_root"
)

// fixture is one deployable configuration and how to feed it.
type fixture struct {
	suite  string // "stack", "storage", "processing": tag value and state folder
	folder string // configuration folder relative to the repository root
	// backendOverride replaces the configuration's backend with local state.
	backendOverride bool
	// needsPackage: the configuration deploys the Lambda package.
	needsPackage bool
	// needsAlarmKey: the configuration encrypts an alarm topic, with the
	// pre-created key itest.AlarmKeyAlias (the CI role may not make keys).
	needsAlarmKey bool
	vars          func(in deployInput) map[string]any
}

// deployInput is what a fixture's variables are made from.
type deployInput struct {
	Run           itest.Run
	Region        string
	Package       string // absolute path of dist/processor.zip, when needsPackage
	EventsPackage string // absolute path of dist/events.zip, when needsPackage
	// Boundary is the ARN of the permissions boundary every role the
	// suites create carries (the CI role may create no other).
	Boundary string
	AlarmKey string // ARN of the key behind itest.AlarmKeyAlias, when needsAlarmKey
}

// deployment is what the validate stage gets: a deployed configuration
// and an SDK configuration for its region.
type deployment struct {
	run    itest.Run
	region string
	opts   *terraform.Options
	cfg    aws.Config
}

// output returns a required (non-empty) string output.
func (d *deployment) output(t *testing.T, ctx context.Context, name string) string {
	t.Helper()
	return terraform.OutputRequiredContext(t, ctx, d.opts, name)
}

func terraformBinary() string { return os.Getenv(envTerraformBinary) }

func terraformBinaryForPreflight() string {
	if b := terraformBinary(); b != "" {
		return b
	}
	return terraform.DefaultExecutable
}

// runStages deploys f, runs validate against it and always destroys it
// (deferred, so a failed stage or t.Fatal still cleans up), each step a
// Terratest stage that SKIP_<stage> skips. What the stages share (Terraform
// options, run id, region) is saved under out/integration/<suite>, so a
// kept environment (SKIP_cleanup=true) can be validated again later
// (SKIP_deploy=true) and finally destroyed (SKIP_deploy=true
// SKIP_validate=true).
func runStages(t *testing.T, f fixture, validate func(t *testing.T, ctx context.Context, d *deployment)) {
	t.Parallel()
	repo, err := itest.RepoRoot(".")
	require.NoError(t, err)
	stateDir := itest.StateDir(repo, f.suite)
	ctx, cancel := workContext(t)
	defer cancel()
	// Terraform runs on a context that is never cancelled: killing it
	// mid-apply or mid-destroy would orphan resources it has not recorded.
	tfCtx := context.WithoutCancel(ctx)

	// Set when deploy refuses to run over a kept environment: this run's
	// cleanup then leaves that environment alone (it was kept on purpose;
	// SKIP_deploy=true SKIP_validate=true destroys it).
	keptByOthers := false

	defer test_structure.RunTestStage(t, stageCleanup, func() {
		if keptByOthers {
			t.Logf("cleanup: leaving the kept %s environment recorded in %s in place (destroy it with SKIP_deploy=true SKIP_validate=true)", f.suite, stateDir)
			return
		}
		if !test_structure.IsTestDataPresent(t, test_structure.FormatTestDataPath(stateDir, "TerraformOptions.json")) {
			t.Logf("cleanup: nothing was deployed by this suite (no saved options in %s)", stateDir)
			return
		}
		opts := test_structure.LoadTerraformOptions(t, stateDir)
		copyRoot := test_structure.LoadString(t, stateDir, savedCopy)
		terraform.DestroyContext(t, tfCtx, opts)
		test_structure.CleanupTestDataFolder(t, stateDir)
		_ = os.Remove(stateDir) // only if empty
		if err := os.RemoveAll(copyRoot); err != nil {
			t.Logf("cleanup: remove working copy %s: %v", copyRoot, err)
		}
	})

	test_structure.RunTestStage(t, stageDeploy, func() {
		if test_structure.IsTestDataPresent(t, test_structure.FormatTestDataPath(stateDir, "TerraformOptions.json")) {
			keptByOthers = true
			require.FailNowf(t, "kept environment", "a kept %s environment (run %s) is recorded in %s: this run deploys nothing and leaves it in place; validate it with SKIP_deploy=true, or destroy it with SKIP_deploy=true SKIP_validate=true, before deploying another",
				f.suite, test_structure.LoadString(t, stateDir, savedRunID), stateDir)
		}
		run, err := itest.NewRun(random.UniqueID())
		require.NoError(t, err)
		region := sdkConfig(t, ctx, "").Region
		t.Logf("deploy: suite %s, run %s, environment %s, region %s (resources tagged %s=%s)",
			f.suite, run.ID, run.Environment(), region, itest.TagRun, run.ID)

		cfg := sdkConfig(t, ctx, region)
		in := deployInput{Run: run, Region: region, Boundary: boundaryARN(t, ctx, cfg)}
		if f.needsPackage {
			in.Package = lambdaPackage(t, repo, "processor.zip")
			in.EventsPackage = lambdaPackage(t, repo, "events.zip")
		}
		if f.needsAlarmKey {
			in.AlarmKey = alarmKeyARN(t, ctx, cfg)
		}
		dir, tmp, err := itest.CopyConfig(repo, os.TempDir(), "imgpipe-"+f.suite+"-"+run.ID+"-", f.folder)
		require.NoError(t, err)
		if f.backendOverride {
			require.NoError(t, itest.WriteBackendOverride(dir))
		}
		t.Logf("deploy: working copy %s (state and .terraform live there; `terraform output` works in it)", dir)
		opts := terraform.WithDefaultRetryableErrors(t, &terraform.Options{
			TerraformDir:    dir,
			TerraformBinary: terraformBinary(),
			Vars:            f.vars(in),
			NoColor:         true,
			EnvVars: map[string]string{
				"TF_IN_AUTOMATION":   "1",
				"TF_INPUT":           "0",
				"CHECKPOINT_DISABLE": "1",
			},
		})
		// Saved before apply: a half-applied stack is still destroyed.
		test_structure.SaveTerraformOptions(t, stateDir, opts)
		test_structure.SaveString(t, stateDir, savedRunID, run.ID)
		test_structure.SaveString(t, stateDir, savedRegion, region)
		test_structure.SaveString(t, stateDir, savedCopy, tmp)
		terraform.InitAndApplyContext(t, tfCtx, opts)
	})

	test_structure.RunTestStage(t, stageValidate, func() {
		run, err := itest.NewRun(test_structure.LoadString(t, stateDir, savedRunID))
		require.NoError(t, err)
		region := test_structure.LoadString(t, stateDir, savedRegion)
		d := &deployment{
			run:    run,
			region: region,
			opts:   test_structure.LoadTerraformOptions(t, stateDir),
			cfg:    sdkConfig(t, ctx, region),
		}
		validate(t, ctx, d)
	})
}

// workContext ends on SIGINT/SIGTERM, or destroyReserve before the test's
// deadline, whichever comes first, leaving destroy its time.
func workContext(t *testing.T) (context.Context, context.CancelFunc) {
	parent := rootCtx
	if parent == nil {
		parent = context.Background()
	}
	if dl, ok := t.Deadline(); ok {
		return context.WithDeadline(parent, dl.Add(-destroyReserve))
	}
	return context.WithCancel(parent)
}

// sdkConfig loads the default AWS configuration (the same credentials
// Terraform uses); region "" keeps the resolved one.
func sdkConfig(t *testing.T, ctx context.Context, region string) aws.Config {
	t.Helper()
	var opts []func(*config.LoadOptions) error
	if region != "" {
		opts = append(opts, config.WithRegion(region))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	require.NoError(t, err, "load the AWS configuration")
	require.NotEmpty(t, cfg.Region, "no AWS region: set AWS_REGION")
	return cfg
}

// boundaryARN is the ARN of the boundary policy in the caller's account and
// partition (from sts:GetCallerIdentity).
func boundaryARN(t *testing.T, ctx context.Context, cfg aws.Config) string {
	t.Helper()
	id, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	require.NoError(t, err, "sts:GetCallerIdentity")
	caller, err := arn.Parse(aws.ToString(id.Arn))
	require.NoError(t, err, "parse the caller's ARN")
	return itest.BoundaryARN(caller.Partition, aws.ToString(id.Account))
}

// alarmKeyARN resolves itest.AlarmKeyAlias, the key an administrator
// created once for the suites (test/README.md, "The CI role").
func alarmKeyARN(t *testing.T, ctx context.Context, cfg aws.Config) string {
	t.Helper()
	out, err := kms.NewFromConfig(cfg).DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(itest.AlarmKeyAlias)})
	if err != nil {
		t.Fatalf("the alarm topic key %s is missing or unreadable in %s: an administrator creates it once (test/README.md, \"The CI role\"): %v",
			itest.AlarmKeyAlias, cfg.Region, err)
	}
	return aws.ToString(out.KeyMetadata.Arn)
}

// lambdaPackage is the absolute path of dist/<name> (processor.zip or
// events.zip), built by `make package` (which `make test-integration` runs
// first).
func lambdaPackage(t *testing.T, repo, name string) string {
	t.Helper()
	p := filepath.Join(repo, "dist", name)
	_, err := os.Stat(p)
	require.NoError(t, err, "the Lambda package %s is missing: run `make package` first (make test-integration does)", p)
	return p
}
