// A stand-in for server.ts in tests/jobs.test.ts: supervises the real job runner and does nothing else, so
// the test can SIGKILL it and watch what the runner does.
import { superviseWorker } from "@/lib/jobs/supervise";

superviseWorker(["--conditions=react-server", "--import", "tsx", "scripts/worker.ts"]);
setInterval(() => undefined, 60_000);
