/**
 * cty values as Terraform sends them over tfplugin6: msgpack, with unknown
 * values as extension type 0 and (Terraform >= 1.6) refined unknowns as
 * extension type 0x0c. Unknowns decode to @msgpack's ExtData and re-encode
 * unchanged, so values we only pass through keep their refinements.
 */
import { ExtData, decode, encode } from "@msgpack/msgpack";

export type CtyValue = unknown;

const UNKNOWN_EXT = 0;
const REFINED_UNKNOWN_EXT = 0x0c;

export function decodeCty(bytes: Uint8Array): CtyValue {
  // useBigInt64: cty may send int64/uint64 numbers beyond 2^53
  return decode(bytes, { useBigInt64: true });
}

export function encodeCty(value: CtyValue): Buffer {
  const out = encode(value, { useBigInt64: true });
  return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
}

export function isUnknown(v: CtyValue): boolean {
  return v instanceof ExtData && (v.type === UNKNOWN_EXT || v.type === REFINED_UNKNOWN_EXT);
}

/** A wholly unknown value, encoded exactly as cty does (fixext1, type 0, payload 0). */
export function unknownValue(): ExtData {
  return new ExtData(UNKNOWN_EXT, new Uint8Array([0]));
}

export function isObject(v: CtyValue): v is Record<string, CtyValue> {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof ExtData) && !(v instanceof Uint8Array);
}
