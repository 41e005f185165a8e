/**
 * A stand-in for the Pulumi engine's two gRPC services, ResourceMonitor and
 * Engine, built from the protos @pulumi/pulumi ships, the way the SDK's own
 * language-host tests stand in for the engine
 * (pulumi/pulumi sdk/nodejs/tests/runtime/langhost/run.spec.ts, createMockEngineAsync).
 *
 * A program run by the SDK's `cmd/run` against it (see plan/cli-path.ts)
 * registers its resources here exactly as it would with `pulumi preview`:
 * same process, same loader, same wire format. What it does not do is what
 * needs the cloud: no provider plugin is started, so every resource's outputs
 * are its inputs (as under `pulumi.runtime.setMocks`), a read resource's are
 * its inputs plus `metadata.name`, and the one data source the program calls
 * is answered by offlineInvoke.
 */
import * as grpc from "@grpc/grpc-js";
import * as pulumi from "@pulumi/pulumi";
import type { Alias } from "@pulumi/pulumi/proto/alias_pb";
import * as engineRpc from "@pulumi/pulumi/proto/engine_grpc_pb";
import * as engineProto from "@pulumi/pulumi/proto/engine_pb";
import * as providerProto from "@pulumi/pulumi/proto/provider_pb";
import * as resourceRpc from "@pulumi/pulumi/proto/resource_grpc_pb";
import * as resourceProto from "@pulumi/pulumi/proto/resource_pb";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { Struct, type JavaScriptValue } from "google-protobuf/google/protobuf/struct_pb";
import type { Registration, WireAlias } from "./resources";

export type { Registration };

export interface EngineLog {
  severity: "debug" | "info" | "warning" | "error";
  message: string;
  urn: string;
}

/** The physical id a resource is given offline, as by the mocks: there is no provider to create it. */
export const offlineId = (name: string) => `${name}-id`;

/**
 * The data sources the program calls, answered without AWS: the plan shows
 * where the EKS endpoint and CA will come from. Anything else is an error, so
 * a new call cannot go unnoticed.
 */
export function offlineInvoke(token: string, args: Record<string, unknown>): Record<string, unknown> {
  if (token === "aws:eks/getCluster:getCluster") {
    const { name, region } = args as { name: string; region: string };
    return {
      ...args,
      endpoint: `https://${name}.eks.${region}.amazonaws.com.offline-plan`,
      certificateAuthorities: [{ data: "offline-plan" }],
    };
  }
  throw new Error(`the offline plan cannot answer ${token}: add it to offlineInvoke in plan/engine.ts`);
}

/** `urn:pulumi:<stack>::<project>::<qualified type>::<name>`, as the engine builds it (sdk/go/common/resource/urn.go). */
function newUrn(stack: string, project: string, parentType: string | undefined, type: string, name: string): string {
  return `urn:pulumi:${stack}::${project}::${parentType ? `${parentType}$` : ""}${type}::${name}`;
}

/** The qualified type of a URN: the parent chain's types and its own, `$`-joined. */
export function urnQualifiedType(urn: string): string {
  return urn.split("::")[2];
}

const SEVERITIES: Record<number, EngineLog["severity"]> = {
  [engineProto.LogSeverity.DEBUG]: "debug",
  [engineProto.LogSeverity.INFO]: "info",
  [engineProto.LogSeverity.WARNING]: "warning",
  [engineProto.LogSeverity.ERROR]: "error",
};

function wireAlias(alias: Alias): WireAlias {
  const spec = alias.getSpec();
  if (alias.hasUrn() || !spec) return alias.getUrn();
  return {
    name: spec.getName(),
    type: spec.getType(),
    stack: spec.getStack(),
    project: spec.getProject(),
    ...(spec.hasParenturn() && { parentUrn: spec.getParenturn() }),
    ...(spec.hasNoparent() && { noParent: spec.getNoparent() }),
  };
}

type Callback = (error: grpc.ServiceError | null, response?: unknown) => void;
/** One RPC: the request message in, the response message out (or an exception: the RPC's error). */
type Handler<Req> = (request: Req) => unknown;
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each handler names its own request type
type Handlers = Record<string, Handler<any>>;

/** The properties of a Struct, or of none, as plain values. */
function plain(struct: Struct | undefined): Record<string, unknown> {
  return struct?.toJavaScript() ?? {};
}

function toStruct(value: Record<string, unknown>): Struct {
  return Struct.fromJavaScript(value as Record<string, JavaScriptValue>);
}

function serviceError(error: unknown): grpc.ServiceError {
  const message = (error as Error).message;
  return Object.assign(new Error(message), { code: grpc.status.UNKNOWN, details: message, metadata: new grpc.Metadata() });
}

/** A gRPC service implementation from handlers: an exception becomes the RPC's error, as the engine reports a failed step. */
function service(handlers: Handlers): grpc.UntypedServiceImplementation {
  return Object.fromEntries(
    Object.entries(handlers).map(([method, fn]) => [
      method,
      (call: { request: unknown }, callback: Callback) => {
        try {
          callback(null, fn(call.request));
        } catch (error) {
          callback(serviceError(error));
        }
      },
    ]),
  );
}

/**
 * The same handlers as an in-process client of the SDK (`monitor.registerResource(request, callback)`),
 * answered asynchronously, as a reply over the wire would be.
 */
function client(handlers: Handlers): Record<string, (request: unknown, ...rest: unknown[]) => void> {
  return Object.fromEntries(
    Object.entries(handlers).map(([method, fn]) => [
      method,
      (request: unknown, ...rest: unknown[]) => {
        const callback = rest.find((arg) => typeof arg === "function") as Callback;
        queueMicrotask(() => {
          let response: unknown;
          try {
            response = fn(request);
          } catch (error) {
            return callback(serviceError(error));
          }
          callback(null, response);
        });
      },
    ]),
  );
}

export class EngineStandIn {
  /** In registration order. */
  readonly registrations: Registration[] = [];
  /** Outputs registered per URN (the stack's are its exports). */
  readonly outputs = new Map<string, Record<string, unknown>>();
  readonly logs: EngineLog[] = [];
  /** Called as each resource is registered. */
  onRegister?: (registration: Registration) => void;
  private readonly byUrn = new Map<string, Registration>();
  private root?: string;
  private server?: grpc.Server;

  constructor(
    readonly project: string,
    readonly stack: string,
  ) {}

  /** The stack's URN: as the SDK set it, or else as it registered it. */
  rootUrn(): string | undefined {
    return this.root ?? this.registrations.find((r) => r.type === pulumi.runtime.rootPulumiStackTypeName)?.urn;
  }

  /** The stack's exports, as registered. */
  stackOutputs(): Record<string, unknown> {
    const root = this.rootUrn();
    return (root && this.outputs.get(root)) || {};
  }

  private record(registration: Registration): void {
    this.registrations.push(registration);
    this.byUrn.set(registration.urn, registration);
    this.onRegister?.(registration);
  }

  private urnFor(parent: string, type: string, name: string): string {
    const parentType =
      parent && this.byUrn.get(parent)?.type !== pulumi.runtime.rootPulumiStackTypeName ? urnQualifiedType(parent) : undefined;
    return newUrn(this.stack, this.project, parentType, type, name);
  }

  /** ResourceMonitor (proto/pulumi/resource.proto): what the SDK calls to register resources. */
  readonly resourceMonitor: Handlers = {
    // The engine of the pinned CLI supports every feature this SDK asks about.
    supportsFeature: () => new resourceProto.SupportsFeatureResponse().setHassupport(true),
    registerResource: (request: resourceProto.RegisterResourceRequest) => {
      const inputs = plain(request.getObject());
      const registration: Registration = {
        urn: this.urnFor(request.getParent(), request.getType(), request.getName()),
        type: request.getType(),
        name: request.getName(),
        parent: request.getParent(),
        custom: request.getCustom(),
        remote: request.getRemote(),
        read: false,
        inputs,
        provider: request.getProvider(),
        dependencies: request.getDependenciesList(),
        ...(request.hasRetainondelete() && { retainOnDelete: request.getRetainondelete() }),
        ...(request.hasProtect() && { protect: request.getProtect() }),
        aliases: [...request.getAliasurnsList(), ...request.getAliasesList().map(wireAlias)],
      };
      this.record(registration);
      const response = new resourceProto.RegisterResourceResponse().setUrn(registration.urn).setObject(toStruct(inputs));
      return registration.custom ? response.setId(offlineId(registration.name)) : response;
    },
    readResource: (request: resourceProto.ReadResourceRequest) => {
      const inputs = plain(request.getProperties());
      const registration: Registration = {
        urn: this.urnFor(request.getParent(), request.getType(), request.getName()),
        type: request.getType(),
        name: request.getName(),
        parent: request.getParent(),
        custom: true,
        remote: false,
        read: true,
        inputs,
        provider: request.getProvider(),
        dependencies: request.getDependenciesList(),
        aliases: [],
      };
      this.record(registration);
      const state = { ...inputs, metadata: { ...(inputs.metadata as object), name: request.getId() } };
      return new resourceProto.ReadResourceResponse().setUrn(registration.urn).setProperties(toStruct(state));
    },
    registerResourceOutputs: (request: resourceProto.RegisterResourceOutputsRequest) => {
      this.outputs.set(request.getUrn(), plain(request.getOutputs()));
      return new Empty();
    },
    invoke: (request: resourceProto.ResourceInvokeRequest) => {
      const result = offlineInvoke(request.getTok(), plain(request.getArgs()));
      return new providerProto.InvokeResponse().setReturn(toStruct(result));
    },
  };

  /** Engine (proto/pulumi/engine.proto): diagnostics and the root resource. */
  readonly engine: Handlers = {
    log: (request: engineProto.LogRequest) => {
      this.logs.push({ severity: SEVERITIES[request.getSeverity()] ?? "info", message: request.getMessage(), urn: request.getUrn() });
      return new Empty();
    },
    getRootResource: () => new engineProto.GetRootResourceResponse().setUrn(this.root ?? ""),
    setRootResource: (request: engineProto.SetRootResourceRequest) => {
      this.root = request.getUrn();
      return new engineProto.SetRootResourceResponse();
    },
  };

  /** Serves both services on a local port, for a program in another process: the address for `--monitor` and `--engine`. */
  async serve(): Promise<string> {
    const server = new grpc.Server();
    server.addService(resourceRpc.ResourceMonitorService, service(this.resourceMonitor));
    server.addService(engineRpc.EngineService, service(this.engine));
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
    );
    this.server = server;
    return `127.0.0.1:${port}`;
  }

  /** The ResourceMonitor as an in-process client, for pulumi.runtime.setMockOptions. */
  monitorClient(): Record<string, (request: Request, ...rest: unknown[]) => void> {
    return client(this.resourceMonitor);
  }

  async close(): Promise<void> {
    const server = this.server;
    if (server) await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
  }
}
