/**
 * The thread platform: how to start a worker running a piece of JS source. The compiler core
 * never imports Node; Node's `worker_threads` is looked up at call time
 * (`process.getBuiltinModule`), so bundling for a browser pulls in nothing. Browsers get no
 * platform yet: their main thread may not block in `Atomics.wait`, which the synchronous eager
 * path needs, so they run single-threaded.
 */

/** A started worker. */
export interface WorkerHandle {
  /** Lets the process exit while the worker is alive (Node's `unref`). */
  unref(): void;
  terminate(): void;
  /** Called once if the worker fails or exits. */
  onExit(cb: (reason: string) => void): void;
}

export interface ThreadPlatform {
  readonly name: string;
  /** Logical cores available to this process. */
  readonly cores: number;
  /**
   * Starts a worker running `source` (a CommonJS-style script). It receives `data` as
   * `require("node:worker_threads").workerData` (Node).
   */
  spawn(source: string, data: unknown): WorkerHandle;
}

interface NodeWorker {
  unref(): void;
  terminate(): Promise<number>;
  on(event: "error" | "exit", cb: (arg: unknown) => void): void;
}

interface NodeWorkerThreads {
  Worker: new (source: string, opts: { eval: true; workerData: unknown; execArgv: string[] }) => NodeWorker;
  isMainThread: boolean;
}

let cached: ThreadPlatform | null | undefined;

/**
 * Node's worker_threads as a platform, or null where there is none (browsers, Node < 20.16,
 * or no SharedArrayBuffer).
 */
export function threadPlatform(): ThreadPlatform | null {
  if (cached !== undefined) return cached;
  cached = null;
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const get = proc?.getBuiltinModule;
  if (typeof get !== "function" || typeof SharedArrayBuffer === "undefined") return cached;
  const wt = get("node:worker_threads") as NodeWorkerThreads | undefined;
  const os = get("node:os") as { availableParallelism?: () => number; cpus(): unknown[] } | undefined;
  if (!wt || !os) return cached;
  const cores = os.availableParallelism?.() ?? os.cpus().length;
  cached = {
    name: "node:worker_threads",
    cores,
    spawn(source, data) {
      // No inherited Node options: `--input-type=module` or a loader would change how the plain
      // CommonJS source is read. (V8 flags such as relaxed SIMD are process-wide anyway.)
      const w = new wt.Worker(source, { eval: true, workerData: data, execArgv: [] });
      let exited = false;
      const listeners: ((reason: string) => void)[] = [];
      const fire = (reason: string) => {
        if (exited) return;
        exited = true;
        for (const l of listeners) l(reason);
      };
      w.on("error", (e) => fire(`error: ${e instanceof Error ? e.message : String(e)}`));
      w.on("exit", (code) => fire(`exit code ${String(code)}`));
      return {
        unref: () => w.unref(),
        terminate: () => {
          void w.terminate();
        },
        onExit: (cb) => {
          listeners.push(cb);
        },
      };
    },
  };
  return cached;
}
