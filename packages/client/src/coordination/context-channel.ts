/**
 * One-way notifications between contexts (tabs, workers) sharing a store: "the data changed, read it again".
 * Messages are plain JSON-like values; a context never receives its own messages.
 */
export interface ContextChannel<T> {
  post(message: T): void;
  /** Returns the function that stops listening. */
  subscribe(listener: (message: T) => void): () => void;
  close(): void;
}

/** Opens the channel `name`; null when the platform has no way to reach other contexts. */
export type ContextChannelFactory = (name: string) => ContextChannel<unknown> | null;

/** The slice of `BroadcastChannel` used here (browsers, workers, Node ≥ 18); typed locally. */
interface BroadcastChannelLike {
  postMessage(message: unknown): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
  removeEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
  close(): void;
}

/**
 * A `ContextChannel` over `BroadcastChannel`, which reaches every other context of the same origin (browser)
 * or process (Node) listening on the same name. Null where `BroadcastChannel` does not exist.
 */
export const broadcastChannel: ContextChannelFactory = (name) => {
  const Channel = (globalThis as unknown as { BroadcastChannel?: new (name: string) => BroadcastChannelLike }).BroadcastChannel;
  if (typeof Channel !== 'function') return null;
  const channel = new Channel(name);
  // Node keeps the process alive while a BroadcastChannel is open; a notification channel must not.
  (channel as { unref?: () => void }).unref?.();
  const listeners = new Set<(event: { data: unknown }) => void>();
  return {
    post(message) {
      try {
        channel.postMessage(message);
      } catch {
        // A closed channel or an uncloneable message: notifications are best effort, data is in the store.
      }
    },
    subscribe(listener) {
      const wrapped = (event: { data: unknown }): void => listener(event.data);
      listeners.add(wrapped);
      channel.addEventListener('message', wrapped);
      return () => {
        listeners.delete(wrapped);
        channel.removeEventListener('message', wrapped);
      };
    },
    close() {
      for (const l of listeners) channel.removeEventListener('message', l);
      listeners.clear();
      channel.close();
    },
  };
};
