import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { log } from "@/lib/ops/log";

const RESTART_DELAY_MS = 5_000;

/**
 * Keeps the job runner (scripts/worker.ts, or dist/worker.js when compiled) running as a child of server.ts:
 * the jobs go through the server-only service layer, which loads only under the react-server condition that
 * this Next.js host process must not use (like the demo seed). A child that exits is started again after a
 * pause; its jobs were either finished, or are expired and retried by pg-boss. The child gets an IPC channel
 * only so that it can see this process die: the channel closes even when the server is SIGKILLed, and the
 * runner then stops instead of running old code on its own. Returns a stop function.
 */
export function superviseWorker(args: string[], restartDelayMs = RESTART_DELAY_MS): () => Promise<void> {
  let child: ChildProcess | null = null;
  let stopping = false;
  let timer: NodeJS.Timeout | undefined;
  const start = () => {
    child = spawn(process.execPath, args, { stdio: ["inherit", "inherit", "inherit", "ipc"], env: process.env });
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
