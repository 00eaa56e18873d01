/**
 * The services go-plugin (the library Terraform uses to run providers)
 * expects next to the provider service: gRPC health, the controller (for a
 * clean Shutdown), stdio forwarding and the broker. All messages involved are
 * either empty or ignored, so raw Buffers are passed through unchanged.
 */
import type * as grpc from "@grpc/grpc-js";

/** go-plugin's handshake cookie for Terraform providers: a plugin refuses to run without it. */
export const MAGIC_COOKIE_KEY = "TF_PLUGIN_MAGIC_COOKIE";
export const MAGIC_COOKIE_VALUE = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";

const raw = {
  requestSerialize: (b: Buffer) => b,
  requestDeserialize: (b: Buffer) => b,
  responseSerialize: (b: Buffer) => b,
  responseDeserialize: (b: Buffer) => b,
};

export function unaryMethod(path: string): grpc.MethodDefinition<Buffer, Buffer> {
  return { path, requestStream: false, responseStream: false, ...raw };
}

function streamMethod(path: string, requestStream: boolean): grpc.MethodDefinition<Buffer, Buffer> {
  return { path, requestStream, responseStream: true, ...raw };
}

type AnyCall = { end?: () => void };

/** Registers health/controller/stdio/broker; `onShutdown` runs after the Shutdown reply is sent. */
export function addGoPluginServices(server: grpc.Server, onShutdown: () => void): void {
  const openStreams = new Set<AnyCall>();
  const keepOpen = (call: AnyCall & { on: (ev: string, cb: () => void) => void }) => {
    // stdio and broker streams stay open for the plugin's lifetime; we never write to them
    openStreams.add(call);
    call.on("cancelled", () => openStreams.delete(call));
  };

  server.addService(
    { Check: unaryMethod("/grpc.health.v1.Health/Check") },
    {
      // HealthCheckResponse { status = SERVING (1) }
      Check: (_call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => cb(null, Buffer.from([0x08, 0x01])),
    },
  );
  server.addService(
    { Shutdown: unaryMethod("/plugin.GRPCController/Shutdown") },
    {
      Shutdown: (_call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => {
        cb(null, Buffer.alloc(0));
        for (const s of openStreams) s.end?.();
        setTimeout(onShutdown, 10);
      },
    },
  );
  server.addService(
    { StreamStdio: streamMethod("/plugin.GRPCStdio/StreamStdio", false) },
    { StreamStdio: (call: grpc.ServerWritableStream<Buffer, Buffer>) => keepOpen(call) },
  );
  server.addService(
    { StartStream: streamMethod("/plugin.GRPCBroker/StartStream", true) },
    { StartStream: (call: grpc.ServerDuplexStream<Buffer, Buffer>) => keepOpen(call) },
  );
}
