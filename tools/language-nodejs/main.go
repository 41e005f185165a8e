// pulumi-language-nodejs for the tests: a port of the Node.js language host of
// pulumi/pulumi v3.248.0 (sdk/nodejs/cmd/pulumi-language-nodejs/main.go, Apache-2.0),
// for the machines of this project, whose Go module proxy does not serve that module
// (github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3 has no tag and no
// served pseudo-version; scripts/build-real-tools.sh says so when it builds this).
//
// What it keeps, as upstream does it: the gRPC LanguageRuntime the CLI talks to; Run
// starts `node <nodeargs> <@pulumi/pulumi/cmd/run> --monitor … --engine … <entry>`
// with PULUMI_CONFIG (keys as <namespace>:config:<name>), PULUMI_CONFIG_SECRET_KEYS,
// PULUMI_NODEJS_TYPESCRIPT and PULUMI_NODEJS_TSCONFIG_PATH; GetRequiredPackages walks
// node_modules for package.json files with "pulumi": {"resource": true}; RunPlugin
// starts a policy pack as `node <@pulumi/pulumi/cmd/run-policy-pack> <nodeargs>
// <engine> <pack dir>` behind the SDK's own PolicyProxy, which hands it the stack's
// config, and any other plugin (a source-based component package, package/) as
// `node <@pulumi/pulumi/cmd/run-plugin> <nodeargs> <plugin dir> <args>`; the exit code
// 32 ("already showed an actionable message") bails.
//
// Added for the component package (issue 22), as upstream v3.248.0 has them:
// GeneratePackage (the Node.js SDK of a schema, pkg/v3/codegen/nodejs, for
// `pulumi package add` and `pulumi package gen-sdk`) and Link (the generated SDK
// recorded in the program's package.json with `npm pkg set`, through sdk/v3/nodejs/npm,
// and the import line to print). `pulumi package get-schema` needs only RunPlugin.
//
// What it leaves out, because this program needs none of it: the monitor proxy and the
// pipes for synchronous invokes (the SDK then talks to the engine's monitor itself and
// makes no synchronous invoke), bun, debugging, tracing, the OOM sniffer, the other code
// generation (GenerateProject, GenerateProgram), Pack, and InstallDependencies beyond
// checking @pulumi/pulumi resolves from the program's directory (the tests run `npm ci`
// themselves; a directory inside the repository, such as package/, takes the root's
// node_modules, as node does).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/blang/semver"
	"github.com/google/shlex"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"

	sdk "github.com/pulumi/pulumi/sdk/v3"
	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/config"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/cmdutil"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/logging"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"
	"github.com/pulumi/pulumi/sdk/v3/nodejs/npm"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"

	"github.com/pulumi/pulumi/pkg/v3/codegen/cgstrings"
	nodejs "github.com/pulumi/pulumi/pkg/v3/codegen/nodejs"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
)

// Set with -ldflags "-X main.version=…" by scripts/build-real-tools.sh: the SDK version it was ported from.
var version = "3.248.0"

const (
	defaultRunPath = "@pulumi/pulumi/cmd/run"
	policyRunPath  = "@pulumi/pulumi/cmd/run-policy-pack"
	pluginRunPath  = "@pulumi/pulumi/cmd/run-plugin"
	// cmd/run exits with 32 after it has shown the user an actionable message.
	exitedAfterActionableMessage = 32
)

func main() {
	flag.String("tracing", "", "Emit tracing to a Zipkin-compatible tracing endpoint (ignored)")
	runtimeName := flag.String("runtime", "nodejs", "The runtime: only nodejs")
	showVersion := flag.Bool("version", false, "Print the plugin version and exit")
	flag.Parse()
	if *showVersion {
		fmt.Println(version)
		return
	}
	logging.InitLogging(false, 0, false)
	if *runtimeName != "nodejs" {
		cmdutil.Exit(fmt.Errorf("unsupported runtime: %s", *runtimeName))
	}

	var engineAddress string
	if args := flag.Args(); len(args) > 0 {
		engineAddress = args[0]
	}
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt)
	cancelChannel := make(chan bool)
	go func() {
		<-ctx.Done()
		cancel()
		close(cancelChannel)
	}()
	if engineAddress != "" {
		if err := rpcutil.Healthcheck(ctx, engineAddress, 5*time.Minute, cancel); err != nil {
			cmdutil.Exit(fmt.Errorf("could not start health check host RPC server: %w", err))
		}
	}
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Cancel: cancelChannel,
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(srv, &host{engineAddress: engineAddress})
			return nil
		},
	})
	if err != nil {
		cmdutil.Exit(fmt.Errorf("could not start language host RPC server: %w", err))
	}
	// The CLI reads the port from the first line of stdout.
	fmt.Printf("%d\n", handle.Port)
	if err := <-handle.Done; err != nil {
		cmdutil.Exit(fmt.Errorf("language host RPC stopped serving: %w", err))
	}
}

type host struct {
	pulumirpc.UnimplementedLanguageRuntimeServer
	engineAddress string
}

type nodeOptions struct {
	typescript   bool
	tsconfigpath string
	nodeargs     string
}

// parseOptions reads Pulumi.yaml's runtime.options; typescript defaults to true, as upstream.
func parseOptions(options map[string]any) (nodeOptions, error) {
	opts := nodeOptions{typescript: true}
	if v, ok := options["typescript"]; ok {
		b, ok := v.(bool)
		if !ok {
			return opts, errors.New("typescript option must be a boolean")
		}
		opts.typescript = b
	}
	if v, ok := options["tsconfig"]; ok {
		s, ok := v.(string)
		if !ok {
			return opts, errors.New("tsconfigpath option must be a string")
		}
		opts.tsconfigpath = s
	}
	if v, ok := options["nodeargs"]; ok {
		s, ok := v.(string)
		if !ok {
			return opts, errors.New("nodeargs option must be a string")
		}
		opts.nodeargs = s
	}
	return opts, nil
}

// locateModule resolves a module the way the program's own node would.
func locateModule(mod, programDir, nodeBin string, isPlugin bool) (string, error) {
	install := "pulumi install"
	if isPlugin {
		install = "npm install in " + programDir
	}
	script := fmt.Sprintf(`try { console.log(require.resolve('%s')); } catch (error) { if (error.code === 'MODULE_NOT_FOUND') { console.error("It looks like the Pulumi SDK has not been installed. Have you run %s?") } else { console.error(error.message); } process.exit(1); }`, mod, install)
	cmd := exec.Command(nodeBin, "-e", script)
	cmd.Dir = programDir
	out, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return "", errors.New(string(ee.Stderr))
		}
		return "", err
	}
	return strings.TrimSpace(string(out)), nil
}

func (h *host) Handshake(ctx context.Context, req *pulumirpc.LanguageHandshakeRequest) (*pulumirpc.LanguageHandshakeResponse, error) {
	h.engineAddress = req.EngineAddress
	return &pulumirpc.LanguageHandshakeResponse{}, nil
}

func (h *host) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version}, nil
}

func (h *host) GetRequiredPlugins(context.Context, *pulumirpc.GetRequiredPluginsRequest) (*pulumirpc.GetRequiredPluginsResponse, error) {
	return nil, status.Errorf(codes.Unimplemented, "method GetRequiredPlugins not implemented")
}

func (h *host) GetRequiredPackages(ctx context.Context, req *pulumirpc.GetRequiredPackagesRequest) (*pulumirpc.GetRequiredPackagesResponse, error) {
	packages, err := packagesFromDir(req.Info.ProgramDirectory, false, map[string]struct{}{})
	if err != nil {
		logging.V(3).Infof("one or more errors while discovering plugins: %s", err)
	}
	return &pulumirpc.GetRequiredPackagesResponse{Packages: packages}, nil
}

type packageJSON struct {
	Name    string                  `json:"name"`
	Version string                  `json:"version"`
	Pulumi  plugin.PulumiPluginJSON `json:"pulumi"`
}

// packagesFromDir walks node_modules deeply for packages that declare a resource plugin,
// skipping nested policy packs (their plugins are not the program's), as upstream.
func packagesFromDir(dir string, inNodeModules bool, visited map[string]struct{}) ([]*pulumirpc.PackageDependency, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	if _, seen := visited[dir]; seen {
		return nil, nil
	}
	visited[dir] = struct{}{}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("reading plugin dir %s: %w", dir, err)
	}
	var packages []*pulumirpc.PackageDependency
	var errs []error
	for _, entry := range entries {
		current := filepath.Join(dir, entry.Name())
		isDir := entry.IsDir()
		if entry.Type()&fs.ModeSymlink != 0 {
			resolved, err := filepath.EvalSymlinks(current)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			current = resolved
			fi, err := os.Stat(current)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			isDir = fi.IsDir()
		}
		if isDir {
			pack, err := workspace.DetectPolicyPackPathAt(current)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			if pack != "" {
				continue
			}
			more, err := packagesFromDir(current, inNodeModules || filepath.Base(dir) == "node_modules", visited)
			if err != nil {
				errs = append(errs, err)
			}
			packages = append(packages, more...)
			continue
		}
		if !inNodeModules || entry.Name() != "package.json" {
			continue
		}
		b, err := os.ReadFile(current)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		var info packageJSON
		if err := json.Unmarshal(b, &info); err != nil {
			errs = append(errs, fmt.Errorf("unmarshaling package.json %s: %w", current, err))
			continue
		}
		if !info.Pulumi.Resource {
			continue
		}
		name, version, err := pluginNameAndVersion(info)
		if err != nil {
			errs = append(errs, fmt.Errorf("package.json %s: %w", current, err))
			continue
		}
		dep := &pulumirpc.PackageDependency{Name: name, Kind: "resource", Version: version, Server: info.Pulumi.Server}
		if p := info.Pulumi.Parameterization; p != nil {
			dep.Parameterization = &pulumirpc.PackageParameterization{Name: p.Name, Version: p.Version, Value: p.Value}
		}
		packages = append(packages, dep)
	}
	return packages, errors.Join(errs...)
}

func pluginNameAndVersion(info packageJSON) (string, string, error) {
	name := info.Pulumi.Name
	if name == "" {
		if !strings.HasPrefix(info.Name, "@pulumi/") {
			return "", "", fmt.Errorf("missing property \"name\" for the third-party plugin %q under \"pulumi\"", info.Name)
		}
		name = strings.TrimPrefix(info.Name, "@pulumi/")
	}
	v := info.Pulumi.Version
	if v == "" {
		v = info.Version
	}
	if v == "" {
		return "", "", errors.New("missing expected \"version\" property")
	}
	if _, err := semver.ParseTolerant(v); err != nil {
		return "", "", fmt.Errorf("version %q: %w", v, err)
	}
	if !strings.HasPrefix(v, "v") {
		v = "v" + v
	}
	return name, v, nil
}

// InstallDependencies only checks that the program's packages are installed: the tests
// and CI run `npm ci`, and this machine's npm registry is all an install could reach. A
// directory without node_modules of its own (package/, a program inside the repository)
// resolves the root's, as node does.
func (h *host) InstallDependencies(req *pulumirpc.InstallDependenciesRequest, server pulumirpc.LanguageRuntime_InstallDependenciesServer) error {
	node, err := exec.LookPath("node")
	if err != nil {
		return err
	}
	if _, err := locateModule("@pulumi/pulumi", req.Info.ProgramDirectory, node, req.IsPlugin); err != nil {
		return fmt.Errorf("no node_modules with @pulumi/pulumi for %s: run npm ci there: %w", req.Info.ProgramDirectory, err)
	}
	return nil
}

// GeneratePackage writes the Node.js SDK of req.Schema into req.Directory, as upstream.
func (h *host) GeneratePackage(ctx context.Context, req *pulumirpc.GeneratePackageRequest) (*pulumirpc.GeneratePackageResponse, error) {
	loader, err := schema.NewLoaderClient(req.LoaderTarget)
	if err != nil {
		return nil, err
	}
	defer loader.Close()

	var spec schema.PackageSpec
	if err := json.Unmarshal([]byte(req.Schema), &spec); err != nil {
		return nil, err
	}
	pkg, diags, err := schema.BindSpec(spec, schema.NewCachedLoader(loader), schema.ValidationOptions{AllowDanglingReferences: true})
	if err != nil {
		return nil, err
	}
	rpcDiagnostics := plugin.HclDiagnosticsToRPCDiagnostics(diags)
	if diags.HasErrors() {
		return &pulumirpc.GeneratePackageResponse{Diagnostics: rpcDiagnostics}, nil
	}
	files, err := nodejs.GeneratePackage(
		"pulumi-language-nodejs", pkg, req.ExtraFiles, req.LocalDependencies, req.Local, schema.NewCachedLoader(loader))
	if err != nil {
		return nil, err
	}
	for filename, data := range files {
		outPath := filepath.Join(req.Directory, filename)
		if err := os.MkdirAll(filepath.Dir(outPath), 0o700); err != nil {
			return nil, fmt.Errorf("could not create output directory %s: %w", filepath.Dir(filename), err)
		}
		if err := os.WriteFile(outPath, data, 0o600); err != nil {
			return nil, fmt.Errorf("could not write output file %s: %w", filename, err)
		}
	}
	return &pulumirpc.GeneratePackageResponse{Diagnostics: rpcDiagnostics}, nil
}

// Link records each generated SDK as a file: dependency of the program (npm pkg set, as
// upstream's npm manager does) and returns the import lines to print. Only npm: this
// port's programs have a package-lock.json, and it has no packagemanager option.
func (h *host) Link(ctx context.Context, req *pulumirpc.LinkRequest) (*pulumirpc.LinkResponse, error) {
	opts, err := parseOptions(req.Info.Options.AsMap())
	if err != nil {
		return nil, err
	}
	loader, err := schema.NewLoaderClient(req.LoaderTarget)
	if err != nil {
		return nil, err
	}
	defer loader.Close()
	cachedLoader := schema.NewCachedLoader(loader)
	pm, err := npm.ResolvePackageManager(npm.NpmPackageManager, req.Info.ProgramDirectory)
	if err != nil {
		return nil, err
	}
	isTypeScript := opts.typescript || opts.tsconfigpath != ""
	if !isTypeScript {
		if _, err := os.Stat(filepath.Join(req.Info.ProgramDirectory, "tsconfig.json")); err == nil {
			isTypeScript = true
		}
	}
	instructions := "You can import the SDK in your JavaScript code with:\n\n"
	if isTypeScript {
		instructions = "You can import the SDK in your TypeScript code with:\n\n"
	}
	var imports strings.Builder
	for _, dep := range req.Packages {
		var version *semver.Version
		if v, err := semver.New(dep.Package.Version); err == nil {
			version = v
		}
		var param *schema.ParameterizationDescriptor
		if p := dep.Package.Parameterization; p != nil {
			param = &schema.ParameterizationDescriptor{Name: p.Name, Value: p.Value}
			if v, err := semver.New(p.Version); err == nil {
				param.Version = *v
			}
		}
		pkgRef, err := schema.LoadPackageReferenceV2(ctx, cachedLoader, &schema.PackageDescriptor{
			Name: dep.Package.Name, Version: version, DownloadURL: dep.Package.Server, Parameterization: param,
		})
		if err != nil {
			return nil, err
		}
		pkg, err := pkgRef.Definition()
		if err != nil {
			return nil, err
		}
		if err := pkg.ImportLanguages(map[string]schema.Language{"nodejs": nodejs.Importer}); err != nil {
			return nil, err
		}
		packageName := nodePackageName(pkg)
		if err := pm.Link(ctx, req.Info.ProgramDirectory, packageName, dep.Path); err != nil {
			return nil, err
		}
		if isTypeScript {
			fmt.Fprintf(&imports, "  import * as %s from \"%s\";\n", cgstrings.Camel(pkgRef.Name()), packageName)
		} else {
			fmt.Fprintf(&imports, "  const %s = require(\"%s\");\n", cgstrings.Camel(pkgRef.Name()), packageName)
		}
	}
	return &pulumirpc.LinkResponse{ImportInstructions: instructions + imports.String()}, nil
}

// nodePackageName is the npm name of a package's SDK, as upstream's getNodeJSPkgName.
func nodePackageName(pkg *schema.Package) string {
	if info, ok := pkg.Language["nodejs"].(nodejs.NodePackageInfo); ok && info.PackageName != "" {
		return info.PackageName
	}
	if pkg.Namespace != "" {
		return "@" + pkg.Namespace + "/" + pkg.Name
	}
	return "@pulumi/" + pkg.Name
}

func (h *host) RuntimeOptionsPrompts(context.Context, *pulumirpc.RuntimeOptionsRequest) (*pulumirpc.RuntimeOptionsResponse, error) {
	return &pulumirpc.RuntimeOptionsResponse{}, nil
}

func (h *host) About(context.Context, *pulumirpc.AboutRequest) (*pulumirpc.AboutResponse, error) {
	node, err := exec.LookPath("node")
	if err != nil {
		return nil, err
	}
	out, _ := exec.Command(node, "--version").Output()
	return &pulumirpc.AboutResponse{Executable: node, Version: strings.TrimSpace(string(out))}, nil
}

func (h *host) GetProgramDependencies(context.Context, *pulumirpc.GetProgramDependenciesRequest) (*pulumirpc.GetProgramDependenciesResponse, error) {
	return &pulumirpc.GetProgramDependenciesResponse{}, nil
}

func (h *host) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	if h.engineAddress == "" {
		return nil, errors.New("when debugging or running explicitly, must call Handshake before Run")
	}
	node, err := exec.LookPath("node")
	if err != nil {
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("could not find node on the $PATH: %s", err)}, nil
	}
	runPath := os.Getenv("PULUMI_LANGUAGE_NODEJS_RUN_PATH")
	if runPath == "" {
		runPath = defaultRunPath
	}
	runPath, err = locateModule(runPath, req.Info.ProgramDirectory, node, false)
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	opts, err := parseOptions(req.Info.Options.AsMap())
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}

	// Config keys as <namespace>:config:<name>, the form every @pulumi/pulumi reads.
	configMap := make(map[string]string, len(req.GetConfig()))
	for k, v := range req.GetConfig() {
		key, err := config.ParseKey(k)
		if err != nil {
			return &pulumirpc.RunResponse{Error: fmt.Sprintf("failed to serialize configuration: %s", err)}, nil
		}
		configMap[key.Namespace()+":config:"+key.Name()] = v
	}
	configJSON, err := json.Marshal(configMap)
	if err != nil {
		return nil, err
	}
	secretKeys := req.GetConfigSecretKeys()
	if secretKeys == nil {
		secretKeys = []string{}
	}
	secretKeysJSON, err := json.Marshal(secretKeys)
	if err != nil {
		return nil, err
	}
	env := append(os.Environ(), "PULUMI_CONFIG="+string(configJSON), "PULUMI_CONFIG_SECRET_KEYS="+string(secretKeysJSON))
	if opts.typescript {
		env = append(env, "PULUMI_NODEJS_TYPESCRIPT=true")
	}
	if opts.tsconfigpath != "" {
		env = append(env, "PULUMI_NODEJS_TSCONFIG_PATH="+opts.tsconfigpath)
	}

	args, err := shlex.Split(opts.nodeargs)
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	args = append(args, runPath)
	appendArg := func(k, v string) {
		if v != "" {
			args = append(args, "--"+k, v)
		}
	}
	appendArg("monitor", req.GetMonitorAddress())
	appendArg("engine", h.engineAddress)
	appendArg("organization", req.GetOrganization())
	appendArg("project", req.GetProject())
	appendArg("root-directory", req.GetInfo().RootDirectory)
	appendArg("stack", req.GetStack())
	appendArg("pwd", req.Info.ProgramDirectory)
	if req.GetDryRun() {
		args = append(args, "--dry-run")
	}
	appendArg("parallel", strconv.Itoa(int(req.GetParallel())))
	args = append(args, req.Info.EntryPoint)
	args = append(args, req.GetArgs()...)

	cmd := exec.CommandContext(ctx, node, args...)
	cmd.Cancel = func() error {
		if err := cmd.Process.Signal(os.Interrupt); err != nil {
			return cmd.Process.Kill()
		}
		return nil
	}
	cmd.WaitDelay = 5 * time.Second
	// Wrapped, so exec copies through a pipe: node may switch its own stdio to non-blocking.
	cmd.Stdout = struct{ *os.File }{os.Stdout}
	cmd.Stderr = struct{ *os.File }{os.Stderr}
	cmd.Env = env
	if err := cmd.Run(); err != nil {
		_ = os.Stdout.Sync()
		_ = os.Stderr.Sync()
		var exitErr *exec.ExitError
		if !errors.As(err, &exitErr) {
			return &pulumirpc.RunResponse{Error: fmt.Sprintf("Problem executing program (could not run language executor): %s", err)}, nil
		}
		switch code := exitErr.ExitCode(); code {
		case 0:
			return &pulumirpc.RunResponse{Error: fmt.Sprintf("Program exited unexpectedly: %s", exitErr)}, nil
		case exitedAfterActionableMessage:
			return &pulumirpc.RunResponse{Bail: true}, nil
		default:
			return &pulumirpc.RunResponse{Error: fmt.Sprintf("Program exited with non-zero exit code: %d", code)}, nil
		}
	}
	return &pulumirpc.RunResponse{}, nil
}

// RunPlugin starts a policy pack (kind analyzer) with run-policy-pack, or another plugin with run-plugin.
func (h *host) RunPlugin(req *pulumirpc.RunPluginRequest, server pulumirpc.LanguageRuntime_RunPluginServer) error {
	ctx := server.Context()
	closer, stdout, stderr, err := rpcutil.MakeRunPluginStreams(server, false)
	if err != nil {
		return err
	}
	defer closer.Close()
	node, err := exec.LookPath("node")
	if err != nil {
		return err
	}
	opts, err := parseOptions(req.Info.Options.AsMap())
	if err != nil {
		return err
	}
	env := req.Env
	if opts.typescript {
		env = append(env, "PULUMI_NODEJS_TYPESCRIPT=true")
	}
	if opts.tsconfigpath != "" {
		env = append(env, "PULUMI_NODEJS_TSCONFIG_PATH="+opts.tsconfigpath)
	}
	analyzer := req.Kind == string(apitype.AnalyzerPlugin)
	runPath := pluginRunPath
	if analyzer {
		runPath = policyRunPath
	} else if p := os.Getenv("PULUMI_LANGUAGE_NODEJS_RUN_PATH"); p != "" {
		runPath = p
	}
	runPath, err = locateModule(runPath, req.Info.ProgramDirectory, node, true)
	if err != nil {
		return err
	}
	nodeargs, err := shlex.Split(opts.nodeargs)
	if err != nil {
		return err
	}
	// As upstream: nodeargs come after the script, so they reach it, not node.
	args := append([]string{runPath}, nodeargs...)
	if analyzer {
		args = append(append(args, req.Args...), req.Info.ProgramDirectory)
	} else {
		args = append(append(args, req.Info.ProgramDirectory), req.Args...)
	}

	// A policy pack gets the stack's config in its environment: the SDK's proxy takes the
	// engine's ConfigureStack call first, then hands every later call to the pack.
	var proxy *sdk.PolicyProxy
	if analyzer {
		proxy, stdout, err = sdk.NewPolicyProxy(ctx, stdout)
		if err != nil {
			return fmt.Errorf("could not start policy pack proxy: %w", err)
		}
		stackConfig, err := proxy.AwaitConfiguration(ctx)
		if err != nil {
			return fmt.Errorf("could not get stack configuration: %w", err)
		}
		if stackConfig != nil {
			appendEnv := func(k, v string) {
				if v != "" {
					env = append(env, k+"="+v)
				}
			}
			appendEnv("PULUMI_NODEJS_ORGANIZATION", stackConfig.Organization)
			appendEnv("PULUMI_NODEJS_PROJECT", stackConfig.Project)
			appendEnv("PULUMI_NODEJS_STACK", stackConfig.Stack)
			appendEnv("PULUMI_NODEJS_DRY_RUN", strconv.FormatBool(stackConfig.DryRun))
			if stackConfig.Config != nil {
				b, err := json.Marshal(stackConfig.Config)
				if err != nil {
					return fmt.Errorf("could not marshal stack configuration: %w", err)
				}
				appendEnv("PULUMI_CONFIG", string(b))
			}
		}
	}

	cmd := exec.CommandContext(ctx, node, args...)
	if analyzer {
		cmd.Dir = req.Info.ProgramDirectory
	} else {
		cmd.Dir = req.Pwd
	}
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = stdout, stderr
	run := func() error {
		if err := cmd.Start(); err != nil {
			return err
		}
		if proxy != nil {
			return proxy.Attach(ctx, cmd)
		}
		return cmd.Wait()
	}
	if err := run(); err != nil {
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			if ws, ok := exitErr.Sys().(syscall.WaitStatus); ok {
				return fmt.Errorf("Program exited with non-zero exit code: %d", ws.ExitStatus())
			}
			return fmt.Errorf("Program exited unexpectedly: %w", exitErr)
		}
		return fmt.Errorf("Problem executing plugin program (could not run language executor): %w", err)
	}
	return closer.Close()
}
