import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { log } from "@/lib/ops/log";

const RESTART_DELAY_MS = 5_000;

/**
 * Keeps the job runner (scripts/worker.ts, or dist/worker.js when compiled) running as a child of server.ts:
 * the jobs go through the server-only service layer, which loads only under the react-server condition that
 * this Next.js host process must not use (like the demo seed). A child that exits is started again after a
 * pause; its jobs were either finished, or are expired and retried by pg-boss. Returns a stop function.
 */
export function superviseWorker(args: string[], restartDelayMs = RESTART_DELAY_MS): () => Promise<void> {
  let child: ChildProcess | null = null;
  let stopping = false;
  let timer: NodeJS.Timeout | undefined;
  const start = () => {
    child = spawn(process.execPath, args, { stdio: "inherit", env: process.env });
    child.once("exit", (code, signal) => {
      child = null;
      if (stopping) return;
      log().error({ code, signal }, "job runner exited; starting it again shortly");
      timer = setTimeout(start, restartDelayMs);
      timer.unref();
    });
  };
  start();
  return async () => {
    stopping = true;
    clearTimeout(timer);
    const running = child;
    if (!running || running.exitCode !== null) return;
    const exited = once(running, "exit");
    running.kill("SIGTERM");
    await exited;
  };
}
