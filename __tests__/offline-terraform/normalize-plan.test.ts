/** normalizePlan must produce stable, secret-free snapshots. */
import { tmpdir } from "node:os";
import { normalizePlan } from "../../scripts/offline-terraform/normalize-plan.js";
import { REPO_ROOT } from "../../scripts/offline-terraform/paths.js";

const show = {
  format_version: "1.2",
  terraform_version: "1.11.4",
  timestamp: "2026-01-01T00:00:00Z",
  variables: { token: { value: "s3cr3t" }, env: { value: "dev" } },
  configuration: { root_module: { variables: { token: { sensitive: true }, env: {} } } },
  resource_changes: [
    {
      address: "b.second",
      mode: "managed",
      type: "b",
      provider_name: "registry.terraform.io/hashicorp/aws",
      change: { actions: ["create"], after: { a: 1 }, after_unknown: {}, after_sensitive: {} },
    },
    {
      address: "a.first",
      mode: "managed",
      type: "a",
      provider_name: "registry.terraform.io/hashicorp/aws",
      change: {
        actions: ["create"],
        after: {
          name: "n",
          password: "hunter2",
          script: `${tmpdir()}/offline-tf-dev-abc123/script.sh and ${REPO_ROOT}/templates/x`,
          disk: [{ size: 1 }],
        },
        after_unknown: { id: true, disk: [{ id: true }] },
        after_sensitive: { password: true },
      },
    },
  ],
  output_changes: { id: { actions: ["create"], after: null, after_unknown: true, after_sensitive: false } },
};

describe("normalizePlan", () => {
  const n = normalizePlan(show);

  it("sorts resource changes by address and keeps actions", () => {
    expect(n.resourceChanges.map((r) => [r.address, r.actions])).toEqual([
      ["a.first", ["create"]],
      ["b.second", ["create"]],
    ]);
  });

  it("keeps known values, lists unknown paths, masks sensitive values", () => {
    const first = n.resourceChanges[0]!;
    expect(first.after).toEqual({ disk: [{ size: 1 }], name: "n", password: "(sensitive)", script: "<stack>/script.sh and <repo>/templates/x" });
    expect(first.unknown).toEqual(["disk[0].id", "id"]);
    expect(JSON.stringify(n)).not.toContain("hunter2");
  });

  it("drops timestamps and versions, masks sensitive variables", () => {
    expect(JSON.stringify(n)).not.toMatch(/timestamp|terraform_version|format_version|s3cr3t/);
    expect(n.variables).toEqual({ env: "dev", token: "(sensitive)" });
    expect(n.outputChanges).toEqual({ id: { actions: ["create"], after: null, unknown: true } });
  });
});
