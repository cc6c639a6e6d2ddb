import "server-only";
import type { Actor } from "@/lib/access/actor";
import { withActor, type Tx } from "./transaction";

interface Slot<T> {
  item: T;
  taken: () => void;
  cancel: (reason: Error) => void;
}

/**
 * Streams what `produce` emits from inside one read-only, repeatable-read transaction of `actor`: one
 * consistent snapshot however long the stream. The producer waits until the consumer takes each item
 * (backpressure: a slow client holds one item in memory, not the export); a consumer that stops early rolls
 * the transaction back. Nothing is read until the first item is asked for.
 */
export async function* snapshotStream<T>(
  actor: Actor,
  produce: (tx: Tx, emit: (item: T) => Promise<void>) => Promise<void>,
  timeoutMs: number,
): AsyncGenerator<T> {
  const queue: Slot<T>[] = [];
  let finished = false;
  let failure: unknown = null;
  let cancelled = false;
  let wake: (() => void) | null = null;
  const signal = () => {
    wake?.();
    wake = null;
  };
  const emit = (item: T) =>
    new Promise<void>((taken, cancel) => {
      if (cancelled) return cancel(new Error("the reader stopped"));
      queue.push({ item, taken, cancel });
      signal();
    });
  const done = withActor(actor, ({ tx }) => produce(tx, emit), { readOnly: true, timeoutMs }).then(
    () => {
      finished = true;
      signal();
    },
    (error: unknown) => {
      failure = error;
      finished = true;
      signal();
    },
  );
  try {
    for (;;) {
      const slot = queue.shift();
      if (slot) {
        slot.taken();
        yield slot.item;
      } else if (finished) {
        if (failure) throw failure;
        return;
      } else {
        await new Promise<void>((resolve) => (wake = resolve));
      }
    }
  } finally {
    cancelled = true;
    for (const slot of queue.splice(0)) slot.cancel(new Error("the reader stopped"));
    await done;
  }
}
