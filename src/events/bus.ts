import type { Logger } from '../log/logger.js';
import type { VigilEventMap, VigilEventName } from './types.js';
import { describeError } from '../log/describe-error.js';

type Listener<K extends VigilEventName> = (payload: VigilEventMap[K]) => void | Promise<void>;

/**
 * In-process event bus. A listener that throws or rejects is logged and never reaches the
 * emitter: the SCP that stored an instance must not fail because a subscriber did.
 */
export class EventBus {
  private readonly listeners = new Map<VigilEventName, Set<Listener<VigilEventName>>>();

  constructor(private readonly log: Logger) {}

  on<K extends VigilEventName>(name: K, listener: Listener<K>): () => void {
    let set = this.listeners.get(name);
    if (!set) this.listeners.set(name, (set = new Set()));
    set.add(listener as Listener<VigilEventName>);
    return () => set.delete(listener as Listener<VigilEventName>);
  }

  emit<K extends VigilEventName>(name: K, payload: VigilEventMap[K]): void {
    for (const listener of this.listeners.get(name) ?? []) {
      try {
        const result = listener(payload);
        if (result instanceof Promise) result.catch((err: unknown) => this.report(name, err));
      } catch (err) {
        this.report(name, err);
      }
    }
  }

  private report(name: VigilEventName, err: unknown): void {
    this.log.error('event listener failed', { event: name, error: describeError(err) });
  }
}
