import { spawn } from "node:child_process";

/** How a process ended, and what it printed. */
export interface ProcessRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a command to its end without a shell or a terminal (async, so independent runs of a test file overlap).
 * NODE_EXTRA_CA_CERTS is dropped: it only slows Node's start-up (~85 ms parsing a CA bundle) and these runs make no
 * TLS connection.
 */
export function runProcess(command: string, args: readonly string[], options: { cwd: string; env?: Record<string, string | undefined> }): Promise<ProcessRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: { ...process.env, NODE_EXTRA_CA_CERTS: undefined, ...options.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}
