/**
 * The tfplugin6 Provider service of the stand-in provider. Every RPC that a
 * `terraform validate` / `plan` / `show` needs is answered from the schema
 * generated from the cdktf bindings; nothing talks to a cloud API.
 */
import type * as grpc from "@grpc/grpc-js";
import { readFileSync } from "node:fs";
import { decodeCty, encodeCty } from "./cty-msgpack.js";
import { unaryMethod } from "./go-plugin-services.js";
import type { ProviderSchema, SchemaBlock } from "./schema-model.js";
import { planProposedState, readDataSourcePlaceholders } from "./stand-in-planning.js";
import {
  type Diagnostic,
  decodeRawStateJson,
  decodeResourceRequest,
  encodeDiagnosticsOnly,
  encodeResponse,
} from "./tfplugin6-codec.js";

export interface ProviderServerOptions {
  /** Pre-encoded GetProviderSchema.Response (cached on disk). */
  schemaProtobufPath: string;
  /** Schema JSON, parsed lazily: validate-only runs never need it. */
  schemaJsonPath: string;
}

type Handler = (req: Buffer) => Buffer;

const CANNOT_APPLY: Diagnostic = {
  severity: "error",
  summary: "stand-in provider cannot apply",
  detail: "This provider is the offline stand-in used by scripts/offline-terraform; it only supports validate and plan.",
};

export function addProviderService(server: grpc.Server, opts: ProviderServerOptions): void {
  let schema: ProviderSchema | undefined;
  const getSchema = () => (schema ??= JSON.parse(readFileSync(opts.schemaJsonPath, "utf8")) as ProviderSchema);
  const lookup = (kind: "resources" | "dataSources", typeName: string): SchemaBlock | undefined => getSchema()[kind][typeName];
  const unknownType = (typeName: string): Diagnostic => ({
    severity: "error",
    summary: "Unsupported type in stand-in provider",
    detail: `The stand-in provider has no schema for ${typeName}.`,
  });

  const handlers: Record<string, Handler> = {
    GetProviderSchema: () => readFileSync(opts.schemaProtobufPath),
    // ServerCapabilities{get_provider_schema_optional}; no resource list needed by Terraform 1.11
    GetMetadata: () => Buffer.from([0x0a, 0x02, 0x10, 0x01]),
    GetFunctions: () => Buffer.alloc(0),
    ValidateProviderConfig: () => encodeDiagnosticsOnly(2),
    ValidateResourceConfig: () => encodeDiagnosticsOnly(1),
    ValidateDataResourceConfig: () => encodeDiagnosticsOnly(1),
    ValidateEphemeralResourceConfig: () => encodeDiagnosticsOnly(1),
    ConfigureProvider: () => encodeDiagnosticsOnly(1),
    StopProvider: () => Buffer.alloc(0),
    UpgradeResourceState: (req) => {
      // echo: the state was written by this same schema version
      const json = decodeRawStateJson(req);
      return encodeResponse({ dynamic: [[1, { json: json ?? Buffer.from("null") }]], diagField: 2 });
    },
    ReadResource: (req) => {
      const r = decodeResourceRequest(req, [2], [3]);
      return encodeResponse({ dynamic: [[1, r.dynamic.get(2)]], bytes: [[3, r.bytes.get(3)]], diagField: 2 });
    },
    PlanResourceChange: (req) => {
      const r = decodeResourceRequest(req, [3], [5]);
      const block = lookup("resources", r.typeName);
      if (!block) return encodeResponse({ diagField: 4, diagnostics: [unknownType(r.typeName)] });
      const proposed = r.dynamic.get(3);
      const planned = planProposedState(block, proposed?.msgpack ? decodeCty(proposed.msgpack) : null);
      return encodeResponse({ dynamic: [[1, { msgpack: encodeCty(planned) }]], bytes: [[3, r.bytes.get(5)]], diagField: 4 });
    },
    ApplyResourceChange: () => encodeResponse({ diagField: 3, diagnostics: [CANNOT_APPLY] }),
    ImportResourceState: () => encodeResponse({ diagField: 2, diagnostics: [CANNOT_APPLY] }),
    ReadDataSource: (req) => {
      const r = decodeResourceRequest(req, [2]);
      const block = lookup("dataSources", r.typeName);
      if (!block) return encodeResponse({ diagField: 2, diagnostics: [unknownType(r.typeName)] });
      const config = r.dynamic.get(2);
      const state = readDataSourcePlaceholders(block, config?.msgpack ? decodeCty(config.msgpack) : null);
      return encodeResponse({
        dynamic: [[1, { msgpack: encodeCty(state) }]],
        diagField: 2,
        diagnostics: [
          {
            severity: "warning",
            summary: `Offline placeholder values for data.${r.typeName}`,
            detail:
              "The offline stand-in provider cannot query AWS; computed attributes of this data source are typed placeholders. Run a real `terraform plan` against AWS before applying.",
          },
        ],
      });
    },
  };

  const definition: Record<string, grpc.MethodDefinition<Buffer, Buffer>> = {};
  const implementation: grpc.UntypedServiceImplementation = {};
  for (const [name, handler] of Object.entries(handlers)) {
    definition[name] = unaryMethod(`/tfplugin6.Provider/${name}`);
    implementation[name] = (call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => {
      try {
        cb(null, handler(call.request));
      } catch (err) {
        process.stderr.write(`stand-in provider: ${name} failed: ${(err as Error).stack}\n`);
        cb({ code: 13, details: `stand-in provider: ${name} failed: ${(err as Error).message}` });
      }
    };
  }
  server.addService(definition, implementation);
}
