/**
 * Existing deployments are sacred: a refactor must not make `terraform plan` destroy or replace what runs.
 * Every resource address of a deployed stack (fixtures/deployed-addresses.json, recorded before the platform
 * refactor) must still be in the stack, or be the `from` of a `moved` block to an address that is. And the
 * OpenLIT instance replaces itself when its user-data changes (user_data_replace_on_change): its boot script
 * is pinned by a hash, so a change is a deliberate decision, not a side effect.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { onlyResource, synthOpenlit, TfJson } from "./support/synth.js";

const DEPLOYED: Record<string, string[]> = JSON.parse(readFileSync("__tests__/fixtures/deployed-addresses.json", "utf8"));

/** `type.name` of every resource, and the moves `from → to` of the stack's moved blocks. */
function addresses(json: TfJson & { moved?: { from: string; to: string }[] }): { current: Set<string>; moved: Map<string, string> } {
  const current = new Set(Object.entries(json.resource).flatMap(([type, rs]) => Object.keys(rs).map((name) => `${type}.${name}`)));
  return { current, moved: new Map((json.moved ?? []).map((m) => [m.from, m.to])) };
}

/**
 * sha256 of the synthesized user_data of each OpenLIT stack. Changing it replaces the running instances (the
 * data volume and the Elastic IP stay). Update it only on purpose, and say so in the change's notes.
 */
const USER_DATA_SHA256: Record<string, string> = {
  "openlit-demo": "4ed6c9a9a3328c9ce5824c1431f185bd6e26410357a275f1bb9496e6204d02cc",
  "openlit-staging": "4ed6c9a9a3328c9ce5824c1431f185bd6e26410357a275f1bb9496e6204d02cc",
};

describe.each(Object.keys(DEPLOYED).filter((k) => !k.startsWith("/")))("%s as deployed", (stack) => {
  const json = synthOpenlit(stack.replace(/^openlit-/, ""));

  it("keeps every resource address, or moves it", () => {
    const { current, moved } = addresses(json);
    const lost = DEPLOYED[stack]!.filter((address) => !current.has(address) && !current.has(moved.get(address) ?? ""));
    expect(lost).toEqual([]);
  });

  it("keeps the boot script, so the running instance is not replaced", () => {
    const userData: string = onlyResource(json, "aws_instance").user_data;
    expect(createHash("sha256").update(userData).digest("hex")).toBe(USER_DATA_SHA256[stack]);
  });
});
